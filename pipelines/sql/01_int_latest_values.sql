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

-- int_percentiles: each value's position among all buurten with a value for the same indicator, period,
-- table and age group (0 = lowest, 100 = highest; not direction-aligned).
create or replace table int_values as
with buurt_rank as (
    select region_code, boundary_year, period, indicator_id, age_group, table_id,
           round(100 * percent_rank() over (partition by indicator_id, period, table_id, age_group, boundary_year
                                            order by value), 1) as percentile_buurten,
           count(*) over (partition by indicator_id, period, table_id, age_group, boundary_year) as n_buurten
    from indicator_values
    where value is not null and region_code like 'BU%'
),
final as (
    select v.*, b.percentile_buurten, b.n_buurten
    from indicator_values v
    left join buurt_rank b using (region_code, boundary_year, period, indicator_id, age_group, table_id)
)
select * from final order by region_code, indicator_id, period;

-- int_latest_values: per region, indicator and age group the most recent period that has a value
-- (or, when no period has one, the most recent row with its missing reason).
create or replace table int_latest_values as
with ranked as (
    select *, row_number() over (
        partition by region_code, indicator_id, age_group
        order by (value is not null) desc, period desc, boundary_year desc) as rn
    from int_values
)
select * exclude (rn) from ranked where rn = 1 order by region_code, indicator_id;
