-- Profile extras (owner: dashboard/profile, issue #10): what showing one profile needs beyond mart_profile,
-- precomputed so a profile is a few indexed reads instead of scans of the whole release. Every table here is
-- derived only from mart_* views (the contract), sorted by its lookup key, so a one-region read touches one
-- block. The views are the contract the dashboard reads.

-- mart_buurt_value_counts: the distribution of current buurt values per indicator, period, table, age group and
-- boundary year (the mart_indicator_series rows of buurten with a value), as each distinct value with the number
-- of buurten that have it. "How many buurten are strictly lower / higher than this value" (the profile's
-- "hoger dan X% van de buurten") then sums about 83,000 rows instead of joining a million buurt values.
-- Contract: indicator_id, period, table_id, age_group, boundary_year, value, n_equal
create or replace table int_buurt_value_counts as
select indicator_id, period, table_id, age_group, boundary_year, value, count(*) as n_equal
from mart_indicator_series
where region_code like 'BU%' and value is not null
group by all
order by indicator_id, period, table_id, age_group, boundary_year, value;

create or replace view mart_buurt_value_counts as select * from int_buurt_value_counts;

-- mart_area_coverage: per gemeente (area = the 4 digits of its code, which its wijken and buurten share them) and for
-- all of Nederland (area 'NL'), how many values each indicator has anywhere in that area (any period or
-- boundary year). Zero means not in the supplied data for this area.
-- Contract: area, indicator_id, n_values
create or replace table int_area_coverage as
with per_area as (
    select substr(region_code, 3, 4) as area, indicator_id, count(value) as n_values
    from mart_indicator_series group by all
)
select * from (
    select area, indicator_id, n_values from per_area
    union all
    select 'NL', indicator_id, cast(sum(n_values) as bigint) from per_area group by indicator_id
) order by area, indicator_id;

create or replace view mart_area_coverage as select * from int_area_coverage;

-- Small views that are costly to evaluate per request (each aggregates the whole release), materialised once:
-- mart_catalogue_table = mart_catalogue (06_mart_about.sql), mart_regions_table = mart_regions (sorted by code),
-- mart_buurt_scores_named = mart_buurt_scores with each buurt's name, wijk and gemeente.
-- (int_catalogue_table is written in 06_mart_about.sql)
create or replace view mart_catalogue_table as select * from int_catalogue_table;

create or replace table int_regions_table as select * from mart_regions order by region_code;
create or replace view mart_regions_table as select * from int_regions_table;

create or replace table int_buurt_scores_named as
select s.region_code, r.name, r.wijk_code, r.wijk_name, r.gemeente_code, r.gemeente_name,
       s.need_score, s.strength_score, s.n_problem, s.n_asset
from mart_buurt_scores s join int_regions_table r using (region_code)
where r.level = 'buurt'
order by s.region_code;
create or replace view mart_buurt_scores_named as select * from int_buurt_scores_named;

-- mart_profile_scan: what the app's profile read scans per region (dashboard/core/profile_read.PER_REGION), with
-- the row ids of mart_profile_rows and the same types. A view binds every column it lists before the unused ones
-- are pruned, so the 20 columns read through the 37 of mart_profile_rows (with their ENUM casts) cost ~0.4-0.6 ms
-- CPU more per read than through this view (DuckDB 2.0.1's profiler: planner + optimizer ~1.0 -> ~0.5 ms).
-- A view on int_profile (sql/02_mart_profile.sql), like mart_profile: no build cost.
create or replace view mart_profile_scan as
select rowid as row_id, region_code, indicator_id, age_group, is_default_group, period, boundary_year, table_id,
       value, lower, upper, missing_reason, percentile_buurten, n_buurten, round_lower, round_upper,
       gemeente_value, gemeente_lower, gemeente_upper, gemeente_round_lower, gemeente_round_upper
from int_profile;
