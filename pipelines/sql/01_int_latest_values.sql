-- int_current_regions: the regional division the app navigates by (the newest boundary year per level),
-- plus Nederland. Older divisions stay in `regions` and join by code only.
create or replace table int_current_regions as
with newest as (
    select level, max(boundary_year) as boundary_year from regions where level <> 'land' group by level
),
named as (
    -- a name from any boundary year where the code is the same, newest first
    select region_code, arg_max(name, boundary_year) filter (where name is not null) as name
    from regions group by region_code
),
final as (
    select r.region_code, r.level, r.boundary_year, coalesce(n.name, r.region_code) as name,
           r.gemeente_code, r.wijk_code
    from regions r join newest using (level, boundary_year) left join named n using (region_code)
    union all
    select 'NL00', 'land', max(boundary_year), 'Nederland', null, null from regions where level = 'land'
)
select * from final order by region_code;

-- int_values: each value with its position among all buurten with a value for the same indicator, period,
-- table and age group (0 = lowest, 100 = highest; not direction-aligned).
create or replace table int_values as
with flagged as (
    select *, value is not null and region_code like 'BU%' as ranked_buurt from indicator_values
),
final as (
    select * exclude (ranked_buurt),
           case when ranked_buurt then round(100 * percent_rank() over w, 1) end as percentile_buurten,
           case when ranked_buurt then count(*) over p end as n_buurten
    from flagged
    window p as (partition by indicator_id, period, table_id, age_group, boundary_year, ranked_buurt),
           w as (p order by value)
)
select * from final;  -- no sort: set-based readers only; int_profile is the sorted one

-- int_latest_values: per region, indicator and age group the most recent period that has a value
-- (or, when no period has one, the most recent row with its missing reason).
create or replace table int_latest_values as
select * from int_values
qualify row_number() over (partition by region_code, indicator_id, age_group
                           order by (value is not null) desc, period desc, boundary_year desc) = 1;
