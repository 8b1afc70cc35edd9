-- mart_profile: one row per (region, indicator, age group): the region's most recent value next to its
-- gemeente's and Nederland's value for the same period, table and age group, and its percentile among buurten.
-- Contract: region_code, indicator_id, label, lens, unit, direction, modelled, landing, hidden, in_summary,
--           description, age_group, is_default_group, period, boundary_year, table_id, table_title,
--           attribution, value, lower, upper, missing_reason, percentile_buurten, n_buurten,
--           gemeente_code, gemeente_value, gemeente_lower, gemeente_upper, nl_value, nl_lower, nl_upper,
--           round_lower, round_upper, gemeente_round_lower, gemeente_round_upper, nl_round_lower, nl_round_upper
-- lower/upper are the source's 95 % margins (RIVM "geschat"); round_lower/round_upper the rounding interval of a
-- ratio of counts CBS rounded: the lowest and highest ratio the rounded counts allow (pipelines/values.py).
-- DuckDB underestimates `latest` and would build its hash table on those 850,000 wide rows instead of on the
-- few gemeente and NL rows (spilling past the build's memory limit): keep every join's build side as written.
set disabled_optimizers = 'build_side_probe_side';
create or replace table int_profile as
with periods as (
    select period, row_number() over (order by period) as period_rank from (select distinct period from int_values)
),
-- per region, indicator and age group the most recent period that has a value (or, when no period has one,
-- the most recent row with its missing reason); mart_regions and mart_buurt_scores read it from int_profile.
-- "Most recent" orders by (has a value, period, boundary year), packed into one number per row so that a
-- grouped max finds it (a window over 1.5 million rows sorted them; a boundary year is below 100000).
ranked as not materialized (
    select v.*, (v.value is not null)::bigint * 1000000000 + p.period_rank * 100000 + v.boundary_year as recency
    from int_values v join periods p using (period)
),
newest as (
    select region_code, indicator_id, age_group, max(recency) as recency from ranked group by all
),
latest as (
    select * exclude (recency) from ranked semi join newest using (region_code, indicator_id, age_group, recency)
),
gemeente as (
    select region_code, indicator_id, period, table_id, age_group, value, lower, upper, round_lower, round_upper
    from int_values where region_code like 'GM%'
),
nl as (
    select indicator_id, period, table_id, age_group, value, lower, upper, round_lower, round_upper
    from int_values where region_code = 'NL00'
),
final as (
    select l.region_code, l.indicator_id, i.label, i.lens, i.unit, i.direction, i.modelled, i.landing,
           i.hidden, i.in_summary, i.description, l.age_group, l.is_default_group, l.period, l.boundary_year,
           l.table_id, coalesce(s.title, l.table_id) as table_title, i.attribution,
           l.value, l.lower, l.upper, l.missing_reason, l.percentile_buurten, l.n_buurten,
           g.value as gemeente_value, g.lower as gemeente_lower, g.upper as gemeente_upper,
           n.value as nl_value, n.lower as nl_lower, n.upper as nl_upper,
           l.round_lower, l.round_upper, g.round_lower as gemeente_round_lower,
           g.round_upper as gemeente_round_upper, n.round_lower as nl_round_lower, n.round_upper as nl_round_upper
    from latest l
    join indicators i using (indicator_id)
    left join sources s on s.table_id = l.table_id
    left join gemeente g
        on g.region_code = 'GM' || substr(l.region_code, 3, 4) and g.indicator_id = l.indicator_id
       and g.period = l.period and g.table_id = l.table_id and g.age_group = l.age_group
    left join nl n
        on n.indicator_id = l.indicator_id
       and n.period = l.period and n.table_id = l.table_id and n.age_group = l.age_group
)
select * from final;
reset disabled_optimizers;
-- A one-region read goes through this index (sorting the wide rows instead cost more than the rest of the
-- model); readers that need an order say so (order by indicator_id, age_group).
create index int_profile_region on int_profile (region_code);

-- Materialised above; the view is the contract. gemeente_code is derived from the region code per read (a string
-- column less to write: ~0.2 s CPU of the build; the index read of one region stays the same).
create or replace view mart_profile as
select * exclude (gemeente_value, gemeente_lower, gemeente_upper, nl_value, nl_lower, nl_upper,
                 round_lower, round_upper, gemeente_round_lower, gemeente_round_upper, nl_round_lower,
                 nl_round_upper),
       case when region_code like 'NL%' then null else 'GM' || substr(region_code, 3, 4) end as gemeente_code,
       gemeente_value, gemeente_lower, gemeente_upper, nl_value, nl_lower, nl_upper,
       round_lower, round_upper, gemeente_round_lower, gemeente_round_upper, nl_round_lower, nl_round_upper
from int_profile;

-- mart_indicator_series: every period of every indicator per region, for trend charts. A line may only
-- connect points of one `series`; `boundary_year` tells where the regional division changed.
create or replace view mart_indicator_series as
select v.region_code, v.indicator_id, v.age_group, v.is_default_group, v.period, v.boundary_year, v.value,
       v.lower, v.upper, v.missing_reason, v.table_id, v.series, v.percentile_buurten, v.round_lower, v.round_upper
from int_values v;
