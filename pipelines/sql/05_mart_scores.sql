-- mart_buurt_scores: transparent need and strength summaries per current buurt. For each indicator in the
-- summary (catalogue in_summary; never ethnicity or migration background, which the catalogue refuses),
-- take the buurt's most recent value, z-score it among all buurten (same period and table), align it so that
-- higher = more concern (problem lens) or higher = more strength (asset lens), and average. A side needs at
-- least 3 figures: an average of one or two z-scores is that one figure (a buurt with a care home scored a need of
-- +16 on its Wmo rate alone), not a summary; such a side is NULL and the quadrant says "te weinig cijfers".
-- A rate of rounded counts (round_lower/round_upper, 02_mart_profile.sql) is z-scored at the end of its rounding
-- interval nearest the average buurt, so a WW rate of 29 (really 14 to 41) adds only what 14 would.
-- Contract: region_code, need_score, strength_score, n_problem, n_asset
create or replace view mart_buurt_scores as
with vals as (
    select l.region_code, l.indicator_id, i.lens, i.direction, l.value,
           -- a rate of counts CBS rounded counts with the value of its rounding interval nearest the average buurt
           -- (0 when the interval holds the average): the score claims no more than every possible value supports
           (case when l.round_lower > avg(l.value) over w then l.round_lower
                 when l.round_upper < avg(l.value) over w then l.round_upper
                 when l.round_lower is not null then avg(l.value) over w
                 else l.value end - avg(l.value) over w) / nullif(stddev_samp(l.value) over w, 0) as z
    from int_profile l
    join indicators i using (indicator_id)
    join int_current_regions r on r.region_code = l.region_code and r.level = 'buurt'
    where i.in_summary and l.is_default_group and l.value is not null and i.lens in ('problem', 'asset')
    window w as (partition by l.indicator_id, l.period, l.table_id)
),
aligned as (
    select region_code, lens,
           case when lens = 'problem' and direction = 'higher_is_better' then -z
                when lens = 'problem' then z
                when direction = 'lower_is_better' then -z
                else z end as z
    from vals
),
final as (
    select region_code,
           case when count(*) filter (where lens = 'problem') >= 3
                then avg(z) filter (where lens = 'problem') end as need_score,
           case when count(*) filter (where lens = 'asset') >= 3
                then avg(z) filter (where lens = 'asset') end as strength_score,
           count(*) filter (where lens = 'problem') as n_problem,
           count(*) filter (where lens = 'asset') as n_asset
    from aligned group by region_code
)
select * from final;
