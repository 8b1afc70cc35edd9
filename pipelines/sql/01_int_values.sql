-- int_current_regions: the regional division the app navigates by (the newest boundary year per level, up to
-- the build's current division: the shapes' year; a newer KWB year joins like an older one), plus Nederland.
-- Other divisions stay in `regions` and join by code only.
create or replace table int_current_regions as
with newest as (
    select level, max(boundary_year) as boundary_year from regions
    where level <> 'land' and boundary_year <= (select max(current_division) from build_info) group by level
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

-- indicator_values_all: every loaded value (the build's temporary raw_values, pipelines/load.py) written once,
-- with what int_values needs: in_current (the code exists in today's division), same_area and, for ranked
-- buurt values, the position among buurten. indicator_values and int_values are views on it (one copy of the
-- 1.6 million rows instead of two).
-- int_values: the values that describe a region of today's division, each with its position among all
-- current buurten with a value for the same indicator, period, table and age group (0 = lowest, 100 = highest;
-- not direction-aligned). A value measured on an older division joins today's region by code only where
-- division_identity (pipelines/division_identity.py) accepted that code for that boundary year. A refused
-- value stays as a row without a value and with missing_reason 'other_area' (the code named another area
-- then), so it is never shown, ranked, modelled, summarised or drawn, and the profile can say why. Codes that
-- do not exist today are left out (they describe no region the app shows).
-- DuckDB underestimates the unpivoted raw_values (~250,000 instead of 1.6 million rows) and would build its hash
-- tables on the raw rows instead of on int_current_regions, division_identity and the ~83,000 ranks (a RIGHT
-- join that held the raw rows in memory up to the build's limit and spilled): keep every join's build side as
-- written (~0.5 s CPU and ~100 MB of DuckDB memory less).
-- Written in no particular order (every reader is set-based; a region's read scans every row group either way):
-- without preserve_insertion_order both threads write rows, where with it one thread did ~80 % of the statement
-- (busiest thread ~1.9 -> ~1.4 s CPU, the same total; README "Build wall time").
set disabled_optimizers = 'build_side_probe_side';
set preserve_insertion_order = false;
create or replace table indicator_values_all as
with judged as not materialized (
    select v.*, c.region_code is not null as in_current, c.boundary_year as current_year, d.accepted
    from raw_values v
    left join int_current_regions c using (region_code)
    left join division_identity d on d.region_code = v.region_code and d.boundary_year = v.boundary_year
),
flagged as not materialized (
    select * exclude (current_year, accepted),
           in_current and (region_code = 'NL00' or boundary_year = current_year or coalesce(accepted, false))
               as same_area
    from judged
),
ranked as not materialized (  -- read twice; inlined instead of spooled
    select *, same_area and value is not null and region_code like 'BU%' as ranked_buurt from flagged
),
-- percent_rank() = (number of ranked values below this one) / (n - 1), computed on the distinct values of each
-- partition (a few hundred per indicator) and joined back: the same numbers as a window over all 1.5 million rows,
-- at a fraction of the cost (benchmarks/bench_build.py).
value_counts as (
    select indicator_id, period, table_id, age_group, boundary_year, value, count(*) as n_same
    from ranked where ranked_buurt
    group by all
),
ranks as (
    select indicator_id, period, table_id, age_group, boundary_year, value,
           coalesce(sum(n_same) over (partition by indicator_id, period, table_id, age_group, boundary_year
                                      order by value rows between unbounded preceding and 1 preceding), 0)
               as n_below,
           sum(n_same) over (partition by indicator_id, period, table_id, age_group, boundary_year) as n
    from value_counts
),
final as (
    select f.* exclude (ranked_buurt),
           case when f.ranked_buurt then round(100 * case when r.n > 1 then r.n_below / (r.n - 1) else 0 end, 1)
           end as percentile_buurten,
           case when f.ranked_buurt then cast(r.n as bigint) end as n_buurten
    from ranked f
    left join ranks r
      on f.ranked_buurt and r.indicator_id = f.indicator_id and r.period = f.period and r.table_id = f.table_id
     and r.age_group = f.age_group and r.boundary_year = f.boundary_year and r.value = f.value
)
select * from final;  -- no sort: set-based readers only
reset preserve_insertion_order;
reset disabled_optimizers;

create or replace view indicator_values as
select region_code, boundary_year, period, indicator_id, age_group, is_default_group, value, lower, upper,
       missing_reason, table_id, series, round_lower, round_upper
from indicator_values_all;

create or replace view int_values as
select region_code, boundary_year, period, indicator_id, age_group, is_default_group,
       case when same_area then value end as value,
       case when same_area then lower end as lower,
       case when same_area then upper end as upper,
       case when same_area then missing_reason else 'other_area' end as missing_reason,
       table_id, series, percentile_buurten, n_buurten,
       -- the rounding interval of a ratio of counts CBS rounded (pipelines/values.py); lower/upper are only the
       -- source's own 95 % margins
       case when same_area then round_lower end as round_lower,
       case when same_area then round_upper end as round_upper
from indicator_values_all
where in_current;
