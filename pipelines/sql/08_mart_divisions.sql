-- Cross-division joins: which codes of an older regional division name the same area today.
-- The table division_identity is written by the build (pipelines/division_identity.py: the rule and its
-- thresholds); int_values (01_int_values.sql) applies it.

-- mart_division_identity: the decision for every code that exists in an older division and today.
-- Contract: region_code, boundary_year, level, gemeente_code, name_then, name_now, names_compared,
--           code_set_unchanged, population_then, population_now, population_periods, population_division,
--           density_then, density_now, estimate_then, estimate_now, estimate_period, accepted, rule, reason
create or replace view mart_division_identity as
select * from division_identity;

-- mart_division_joins: per table and level, on that table's OWN codes (the regions it has rows for):
-- how many exist today, how many of those join (accepted) and how many are refused, and how many names were
-- compared (only where both divisions have a name). A table on today's division joins by code alone.
-- Contract: table_id, boundary_year, current_division, level, codes, in_current, accepted, refused,
--           not_in_current, names_compared, names_differ
create or replace view mart_division_joins as
with current_year as (select max(current_division) as y from build_info),
own as (
    select distinct v.table_id, v.boundary_year, v.region_code,
           case substr(v.region_code, 1, 2) when 'BU' then 'buurt' when 'WK' then 'wijk' when 'GM' then 'gemeente' end
               as level
    from indicator_values v join sources s using (table_id)
    where substr(v.region_code, 1, 2) in ('BU', 'WK', 'GM')
),
judged as (
    select o.*, c.region_code is not null as in_current,
           case when c.region_code is null then null
                when o.boundary_year = (select y from current_year) then true
                else coalesce(d.accepted, false) end as accepted,
           coalesce(d.names_compared, false) as names_compared,
           coalesce(d.rule = 'andere_naam', false) as name_differs
    from own o
    left join int_current_regions c on c.region_code = o.region_code
    left join division_identity d on d.region_code = o.region_code and d.boundary_year = o.boundary_year
)
select table_id, boundary_year, (select y from current_year) as current_division, level,
       count(*) as codes,
       count(*) filter (where in_current) as in_current,
       count(*) filter (where accepted) as accepted,
       count(*) filter (where in_current and not accepted) as refused,
       count(*) filter (where not in_current) as not_in_current,
       count(*) filter (where names_compared) as names_compared,
       count(*) filter (where name_differs) as names_differ
from judged
group by table_id, boundary_year, level
order by table_id, case level when 'gemeente' then 1 when 'wijk' then 2 else 3 end;

-- mart_division_refused: every refused join, per table on its own codes, for the download on 'Over de data'.
-- Contract: table_id, boundary_year, region_code, level, name_now, gemeente_code, gemeente_name, rule, reason,
--           names_compared, name_then, population_then, population_now, population_periods, density_then,
--           density_now, estimate_then, estimate_now, estimate_period
create or replace view mart_division_refused as
with own as (
    select distinct v.table_id, v.boundary_year, v.region_code
    from indicator_values v join sources s using (table_id)
)
select o.table_id, o.boundary_year, d.region_code, d.level, d.name_now, d.gemeente_code, g.name as gemeente_name,
       d.rule, d.reason, d.names_compared, d.name_then, d.population_then, d.population_now,
       d.population_periods, d.density_then, d.density_now, d.estimate_then, d.estimate_now, d.estimate_period
from own o
join division_identity d on d.region_code = o.region_code and d.boundary_year = o.boundary_year
left join int_current_regions g on g.region_code = d.gemeente_code
where not d.accepted
order by o.table_id, d.region_code;
