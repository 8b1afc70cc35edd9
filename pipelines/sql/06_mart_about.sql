-- mart_sources: every table in this release with title, period, licence, attribution and fetch time.
create or replace view mart_sources as
select s.*, b.buurten_total, b.buurten_joined, b.buurten_not_joined, b.names_compared, b.names_differ
from sources s left join boundary_joins b using (table_id);

-- mart_catalogue: the indicator catalogue with the periods and tables that actually have values here.
-- Materialised (int_catalogue_table, sorted by indicator_id; mart_catalogue_table in 09 is the same table): each
-- aggregate runs on the distinct (indicator, period) and (indicator, buurt) pairs, which costs a third of
-- string_agg(distinct) and count(distinct) over all 1.6 million values.
create or replace table int_catalogue_table as
with periods as (
    select indicator_id, string_agg(period, ', ' order by period) as periods
    from (select distinct indicator_id, period from indicator_values) group by indicator_id
),
buurten as (
    select indicator_id, count(*) as buurten_with_value
    from (select distinct indicator_id, region_code from indicator_values
          where value is not null and region_code like 'BU%')
    group by indicator_id
)
select i.*, p.periods, coalesce(b.buurten_with_value, 0) as buurten_with_value
from indicators i left join periods p using (indicator_id) left join buurten b using (indicator_id)
order by indicator_id;

create or replace view mart_catalogue as select * from int_catalogue_table;

-- mart_definitions: per indicator and source column, the source's own title and definition next to ours
-- (pipelines/definitions.py says where each comes from).
-- Contract: indicator_id, label, description, table_id, column, role, source_title, source_description, origin
create or replace view mart_definitions as
select d.indicator_id, i.label, i.description, d.table_id, d."column", d.role, d.source_title,
       d.source_description, d.origin
from indicator_definitions d join indicators i using (indicator_id);
