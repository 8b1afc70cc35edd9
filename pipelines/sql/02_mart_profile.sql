-- mart_profile: one row per (region, indicator, age group): the region's most recent value next to its
-- gemeente's and Nederland's value for the same period, table and age group, and its percentile among buurten.
-- Contract: region_code, indicator_id, label, lens, unit, direction, modelled, landing, hidden, in_summary,
--           description, age_group, is_default_group, period, boundary_year, table_id, table_title,
--           attribution, value, lower, upper, missing_reason, percentile_buurten, n_buurten,
--           gemeente_code, gemeente_value, gemeente_lower, gemeente_upper, nl_value, nl_lower, nl_upper,
--           round_lower, round_upper, gemeente_round_lower, gemeente_round_upper, nl_round_lower, nl_round_upper
-- lower/upper are the source's 95 % margins (RIVM "geschat"); round_lower/round_upper the rounding interval of a
-- ratio of counts CBS rounded: the lowest and highest ratio the rounded counts allow (pipelines/values.py).
-- Stored in region order: one region's ~50 rows lie together, so reading one region is a zone-map read of one or two
-- vectors per column (~3-4 ms CPU; the ART index this replaces fetched the rows from the ~7 places each source
-- table's block put them, ~8-11 ms). The order comes without one global sort (sorting all 850,000 wide rows ran out
-- of memory under the build's 220 MB DuckDB limit in 2 of 4 builds and cost ~4 s CPU): the rows are written in four
-- ranges of region codes, each sorted on its own before the catalogue's texts and the gemeente and NL figures are
-- joined (fewer columns to sort; those joins keep the order). A range reads only its own regions' values (the most
-- recent value is chosen per region), so the ranges only split the work; with the index gone the model costs about
-- what it did (5.4-5.5 against 5.7-5.9 s CPU). tests/test_sql_models.py checks the stored order.
-- DuckDB underestimates `latest` and would build its hash table on those wide rows instead of on the few gemeente
-- and NL rows (spilling past the build's memory limit): keep every join's build side as written.
set disabled_optimizers = 'build_side_probe_side';
create or replace temp table int_profile_periods as
select period, row_number() over (order by period) as period_rank from (select distinct period from int_values);
create or replace temp table int_profile_gemeente as
select region_code, indicator_id, period, table_id, age_group, value, lower, upper, round_lower, round_upper
from int_values where region_code like 'GM%';
create or replace temp table int_profile_nl as
select indicator_id, period, table_id, age_group, value, lower, upper, round_lower, round_upper
from int_values where region_code = 'NL00';
-- The indicator's texts and the table's title are stored as ENUM columns (one byte per row; the views below cast
-- them back to VARCHAR, so every mart_* view gives the same text): writing a text column costs ~0.1 s CPU per
-- 850,000 rows whatever its compression, and the join carried the texts through every range (README "Speed").
create type profile_label as enum (select distinct label from indicators where label is not null);
create type profile_lens as enum (select distinct lens from indicators where lens is not null);
create type profile_unit as enum (select distinct unit from indicators where unit is not null);
create type profile_direction as enum (select distinct direction from indicators where direction is not null);
create type profile_description as enum (select distinct description from indicators where description is not null);
create type profile_attribution as enum (select distinct attribution from indicators where attribution is not null);
-- table_title: coalesce(title, table_id) for every table of the values (a ratio's 'A+B' is in no source)
create or replace temp table int_profile_tables as
select t.table_id, coalesce(s.title, t.table_id) as table_title
from (select distinct table_id from int_values) t left join sources s on s.table_id = t.table_id;
create type profile_table_title as enum (select distinct table_title from int_profile_tables where table_title is not null);
alter table int_profile_tables alter table_title type profile_table_title;
create or replace temp table int_profile_texts as
select indicator_id, label::profile_label as label, lens::profile_lens as lens, unit::profile_unit as unit,
       direction::profile_direction as direction, modelled, landing, hidden, in_summary,
       description::profile_description as description, attribution::profile_attribution as attribution
from indicators;
create or replace temp macro int_profile_rows(lo, hi) as table
with
-- per region, indicator and age group the most recent period that has a value (or, when no period has one,
-- the most recent row with its missing reason); mart_regions and mart_buurt_scores read it from int_profile.
-- "Most recent" orders by (has a value, period, boundary year), packed into one number per row so that a
-- grouped max finds it (a window over 1.5 million rows sorted them; a boundary year is below 100000).
ranked as not materialized (
    select v.* exclude (series),
           (v.value is not null)::bigint * 1000000000 + p.period_rank * 100000 + v.boundary_year as recency
    from int_values v join int_profile_periods p using (period)
    where v.region_code >= lo and (hi is null or v.region_code < hi)   -- hi null: no upper end
),
newest as (
    select region_code, indicator_id, age_group, max(recency) as recency from ranked group by all
),
latest as (   -- sorted before the texts and the gemeente and NL figures are joined
    select * exclude (recency) from ranked semi join newest using (region_code, indicator_id, age_group, recency)
    order by region_code
),
final as (
    select l.region_code, l.indicator_id, i.label, i.lens, i.unit, i.direction, i.modelled, i.landing,
           i.hidden, i.in_summary, i.description, l.age_group, l.is_default_group, l.period, l.boundary_year,
           l.table_id, s.table_title, i.attribution,
           l.value, l.lower, l.upper, l.missing_reason, l.percentile_buurten, l.n_buurten,
           g.value as gemeente_value, g.lower as gemeente_lower, g.upper as gemeente_upper,
           n.value as nl_value, n.lower as nl_lower, n.upper as nl_upper,
           l.round_lower, l.round_upper, g.round_lower as gemeente_round_lower,
           g.round_upper as gemeente_round_upper, n.round_lower as nl_round_lower, n.round_upper as nl_round_upper
    from latest l
    join int_profile_texts i on i.indicator_id = l.indicator_id
    left join int_profile_tables s on s.table_id = l.table_id
    left join int_profile_gemeente g
        on g.region_code = 'GM' || substr(l.region_code, 3, 4) and g.indicator_id = l.indicator_id
       and g.period = l.period and g.table_id = l.table_id and g.age_group = l.age_group
    left join int_profile_nl n
        on n.indicator_id = l.indicator_id
       and n.period = l.period and n.table_id = l.table_id and n.age_group = l.age_group
)
select * from final;
create or replace table int_profile as select * from int_profile_rows('', 'BU04');
insert into int_profile select * from int_profile_rows('BU04', 'BU16');
insert into int_profile select * from int_profile_rows('BU16', 'WK');
insert into int_profile select * from int_profile_rows('WK', null);
drop macro table int_profile_rows;
-- What the app's profile read looks up once per release (dashboard/core/profile_read.py): Nederland's figures as
-- joined above (~70 rows) and each region's row ids in int_profile (stored in region order, so a region's read is
-- `rowid between first_row and last_row`). Read from here instead of scanned at the server's start: ~0.3 s CPU
-- and ~10 MB of its memory less, for ~0.05 s CPU of the build.
create or replace table int_profile_nl_figures as select * from int_profile_nl;
create or replace table int_profile_spans as
select region_code, min(rowid) as first_row, max(rowid) as last_row, count(*) as n_rows from int_profile group by all;
drop table int_profile_periods;
drop table int_profile_gemeente;
drop table int_profile_nl;
drop table int_profile_tables;
drop table int_profile_texts;
reset disabled_optimizers;

-- Materialised above; the view is the contract. gemeente_code is derived from the region code per read (a string
-- column less to write: ~0.2 s CPU of the build; a filter on region_code still reaches int_profile's zone maps).
-- The texts are cast back from their ENUM columns (listed, not `* replace`: binding the view is part of each
-- profile read, and the star's expansion with replacements cost ~0.2 ms more per read than the list).
create or replace view mart_profile as
select region_code, indicator_id, label::varchar as label, lens::varchar as lens, unit::varchar as unit,
       direction::varchar as direction, modelled, landing, hidden, in_summary,
       description::varchar as description, age_group, is_default_group, period, boundary_year, table_id,
       table_title::varchar as table_title, attribution::varchar as attribution, value, lower, upper,
       missing_reason, percentile_buurten, n_buurten,
       case when region_code like 'NL%' then null else 'GM' || substr(region_code, 3, 4) end as gemeente_code,
       gemeente_value, gemeente_lower, gemeente_upper, nl_value, nl_lower, nl_upper,
       round_lower, round_upper, gemeente_round_lower, gemeente_round_upper, nl_round_lower, nl_round_upper
from int_profile;

-- The profile read's fast path (dashboard/core/profile_read.py), part of the contract like mart_profile: its rows
-- with their row ids (`row_id between first_row and last_row` is a range of the stored table, pushed through the
-- view), each region's row ids, and Nederland's figures as mart_profile joins them. The dashboard reads no int_*
-- table: a rebuilt model only has to keep these views.
create or replace view mart_profile_rows as
select rowid as row_id, region_code, indicator_id, label::varchar as label, lens::varchar as lens,
       unit::varchar as unit, direction::varchar as direction, modelled, landing, hidden, in_summary,
       description::varchar as description, age_group, is_default_group, period, boundary_year, table_id,
       table_title::varchar as table_title, attribution::varchar as attribution, value, lower, upper,
       missing_reason, percentile_buurten, n_buurten, gemeente_value, gemeente_lower, gemeente_upper,
       nl_value, nl_lower, nl_upper, round_lower, round_upper, gemeente_round_lower, gemeente_round_upper,
       nl_round_lower, nl_round_upper
from int_profile;
create or replace view mart_profile_spans as select region_code, first_row, last_row, n_rows from int_profile_spans;
create or replace view mart_profile_nl_figures as select * from int_profile_nl_figures;

-- mart_indicator_series: every period of every indicator per region, for trend charts. A line may only
-- connect points of one `series`; `boundary_year` tells where the regional division changed.
create or replace view mart_indicator_series as
select v.region_code, v.indicator_id, v.age_group, v.is_default_group, v.period, v.boundary_year, v.value,
       v.lower, v.upper, v.missing_reason, v.table_id, v.series, v.percentile_buurten, v.round_lower, v.round_upper
from int_values v;
