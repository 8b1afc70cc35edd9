-- mart_sources: every table in this release with title, period, licence, attribution and fetch time.
create or replace view mart_sources as
select s.*, b.buurten_total, b.buurten_joined, b.buurten_not_joined, b.names_compared, b.names_differ
from sources s left join boundary_joins b using (table_id);

-- mart_catalogue: the indicator catalogue with the periods and tables that actually have values here.
create or replace view mart_catalogue as
with coverage as (
    select indicator_id, string_agg(distinct period, ', ' order by period) as periods,
           count(distinct region_code) filter (where value is not null and region_code like 'BU%') as buurten_with_value
    from indicator_values group by indicator_id
)
select i.*, c.periods, coalesce(c.buurten_with_value, 0) as buurten_with_value
from indicators i left join coverage c using (indicator_id);

-- mart_definitions: per indicator and source column, the source's own title and definition next to ours
-- (pipelines/definitions.py says where each comes from).
-- Contract: indicator_id, label, description, table_id, column, role, source_title, source_description, origin
create or replace view mart_definitions as
select d.indicator_id, i.label, i.description, d.table_id, d."column", d.role, d.source_title,
       d.source_description, d.origin
from indicator_definitions d join indicators i using (indicator_id);
