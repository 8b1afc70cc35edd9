-- mart_map_values: for every current region and every indicator, the value in the indicator's most recent
-- period, and why it is missing. Values stay on their own boundary year: a 2020-division value is drawn on a
-- 2024 shape only when the code exists in both and names the same area (division_identity). status is one of
--   'waarde'            a value
--   'geheim'            CBS/RIVM suppressed it (too few people or unreliable)
--   'ontbreekt'         the source has the region but no figure
--   'andere_indeling'   the code does not exist in the boundary year of the source, or named another area
--                       then (buurtindeling changed; see mart_division_identity)
-- A source that covers only some gemeenten (the shipped education table: Amsterdam only) says nothing about the
-- division elsewhere: outside the gemeenten it covers, a region is 'ontbreekt', not 'andere_indeling'. Nor does
-- a table without buurten in its code list (the Kiesraad turnout: gemeenten only) about the buurt and wijk division.
-- Contract: region_code, level, name, gemeente_code, indicator_id, period, boundary_year, table_id,
--           value, lower, upper, status, missing_reason (the source row's reason: too_few, zero_or_unknown, ...)
--           round_lower, round_upper (the rounding interval, 02_mart_profile.sql)
-- Materialised (int_map_values) in region order, so one region's statuses (the profile) are a read of one block
-- found by the zone maps (~2 ms; an ART index on region_code cost more to build and read slower); the view below
-- is the contract. The rows come out in region order without a sort: `grid` walks int_current_regions (stored in
-- code order) and unnests the indicators per region, and every join below keeps its probe side's order (the
-- build sides as written: DuckDB would otherwise hash the 790,000 grid rows, which it estimates at 18,000).
-- Sorting the wide rows instead cost ~1.4 s CPU and spilled (tests/test_sql_models.py checks the order).
-- Written in four ranges of region codes (as int_profile, 02_mart_profile.sql): a range's join holds only its own
-- regions' source rows (~665,000 rows in one join filled the build's memory limit and spilled); the per-indicator
-- facts that need every row (the latest period, the source's boundary year, the gemeenten it covers) are small
-- temp tables made once. Ranges in code order keep the table in region order.
set disabled_optimizers = 'build_side_probe_side';
create or replace temp table map_latest_period as
select indicator_id, max(period) as period from int_values
where value is not null and is_default_group group by indicator_id;
-- has_buurten: the table has buurten in its own code list (boundary_joins, counted before codes are joined to
-- today's). A table of gemeenten only (the Kiesraad turnout) says nothing about the buurt or wijk division, so a
-- buurt new since its year is 'ontbreekt' there, not 'andere_indeling'. (A column here, not a join or subquery
-- in `final`: those cost the stored region order.)
create or replace temp table map_source_year as
select *, exists (select 1 from boundary_joins b where b.buurten_total > 0
                  and list_contains(string_split(s.table_id, '+'), b.table_id)) as has_buurten
from (select distinct indicator_id, boundary_year, table_id
      from int_values v join map_latest_period using (indicator_id, period) where v.is_default_group) s;
create or replace temp table map_source_gemeenten as
select distinct indicator_id, 'GM' || substr(region_code, 3, 4) as gemeente_code
from int_values v join map_latest_period using (indicator_id, period)
where v.is_default_group and (region_code like 'GM%' or region_code like 'WK%' or region_code like 'BU%');
create or replace temp table map_national as
select indicator_id, count(*) * 2 >= (select count(*) from int_current_regions where level = 'gemeente') as national
from map_source_gemeenten group by indicator_id;
-- status, missing_reason and period are stored as ENUM columns (one byte per row instead of a text; the view
-- casts them back to VARCHAR, so mart_map_values gives the same rows and types; README "Speed").
create type map_status as enum ('waarde', 'geheim', 'andere_indeling', 'ontbreekt');
create type map_reason as enum (select distinct missing_reason from int_values where missing_reason is not null);
create type map_period as enum (select distinct period from map_latest_period where period is not null);
create or replace temp macro int_map_rows(lo, hi) as table
with
source_rows as (
    select v.* from int_values v join map_latest_period using (indicator_id, period)
    where v.is_default_group and v.region_code >= lo and (hi is null or v.region_code < hi)  -- hi null: no end
),
indicator_list as (
    select list(indicator_id order by indicator_id) as ids from map_latest_period
),
grid as (
    select r.region_code, r.level, r.name, r.gemeente_code, unnest(l.ids) as indicator_id
    from int_current_regions r cross join indicator_list l
    where r.region_code >= lo and (hi is null or r.region_code < hi)
),
final as (
    select r.region_code, r.level, r.name, r.gemeente_code, r.indicator_id, p.period::map_period as period,
           coalesce(v.boundary_year, y.boundary_year) as boundary_year, coalesce(v.table_id, y.table_id) as table_id,
           v.value, v.lower, v.upper,
           case when v.value is not null then 'waarde'::map_status
                when v.missing_reason = 'suppressed' then 'geheim'::map_status
                when v.missing_reason = 'other_area' then 'andere_indeling'::map_status  -- code named another area then
                when v.region_code is not null then 'ontbreekt'::map_status
                when exists (select 1 from regions x where x.region_code = r.region_code
                                                     and x.boundary_year = y.boundary_year) then 'ontbreekt'::map_status
                when (coalesce(n.national, false) or g.gemeente_code is not null)
                     and (r.level not in ('buurt', 'wijk') or coalesce(y.has_buurten, true))
                    then 'andere_indeling'::map_status
                else 'ontbreekt'::map_status end as status,
           v.missing_reason::map_reason as missing_reason, v.round_lower, v.round_upper
    from grid r
    join map_latest_period p on p.indicator_id = r.indicator_id
    left join map_source_year y on y.indicator_id = r.indicator_id
    left join source_rows v on v.region_code = r.region_code and v.indicator_id = r.indicator_id
    left join map_national n on n.indicator_id = r.indicator_id
    left join map_source_gemeenten g on g.indicator_id = r.indicator_id
                                    and g.gemeente_code = 'GM' || substr(r.region_code, 3, 4) and r.level <> 'land'
)
select * from final;
create or replace table int_map_values as select * from int_map_rows('', 'BU04');
insert into int_map_values select * from int_map_rows('BU04', 'BU16');
insert into int_map_values select * from int_map_rows('BU16', 'WK');
insert into int_map_values select * from int_map_rows('WK', null);
drop macro table int_map_rows;
drop table map_latest_period;
drop table map_source_year;
drop table map_source_gemeenten;
drop table map_national;
reset disabled_optimizers;

create or replace view mart_map_values as
select region_code, level, name, gemeente_code, indicator_id, period::varchar as period, boundary_year, table_id,
       value, lower, upper, status::varchar as status, missing_reason::varchar as missing_reason, round_lower,
       round_upper
from int_map_values;

-- mart_region_shapes: the drawable shapes. approximate = true for the reconstructed 2024 buurt/wijk shapes.
-- geometry is the detail (one gemeente in view); geometry_coarse is simplified for maps of all of NL
-- (pipelines/shapes.py). gemeente_code and the bounding box select the shapes in view.
create or replace view mart_region_shapes as
select region_code, level, boundary_year, name, approximate, geometry,
       geometry_coarse, gemeente_code, min_lon, min_lat, max_lon, max_lat
from region_shapes;
