-- Precomputed statistics (filled by pipelines/precompute.py right after the SQL models, because it reads
-- mart_buurt_wide). This file declares the tables and the contract views; an empty table means the statistic
-- could not be computed for this release (the dashboard then says so).

-- peer_buurten: for every buurt with all peer variables, its k most similar buurten (rank 1 = most similar), with
-- each peer's name and gemeente as the contract shows them, stored by precompute.py in region order. The view used
-- to join them per read: a profile's read of its ten rows then scanned int_current_regions twice (~7 instead of
-- ~2 ms CPU, the largest single DuckDB read of a buurt profile under load; issue #10).
create or replace table peer_buurten (
    region_code varchar, peer_code varchar, rank integer, distance double,
    peer_name varchar, peer_gemeente_code varchar, peer_gemeente_name varchar
);

-- expected_values: 'beter dan verwacht' over all buurten of Nederland, per outcome. verdict is one of
-- 'beter dan verwacht', 'slechter dan verwacht', 'zoals verwacht' (observed outside / inside the 95%
-- prediction interval pi_low..pi_high of the context model; r2 and n describe that model).
create or replace table expected_values (
    region_code varchar, outcome_id varchar, observed double, expected double, pi_low double, pi_high double,
    verdict varchar, r2 double, n integer, spec varchar
);

-- stats_models: one row per model in this release: what went in and the plain-Dutch explanation.
create or replace table stats_models (
    model varchar, outcome_id varchar, variables varchar, n integer, n_excluded integer, r2 double,
    explanation varchar
);

-- Contract: region_code, peer_code, rank, distance, peer_name, peer_gemeente_code, peer_gemeente_name
create or replace view mart_peer_buurten as
select region_code, peer_code, rank, distance, peer_name, peer_gemeente_code, peer_gemeente_name
from peer_buurten;

-- Contract: region_code, outcome_id, observed, expected, pi_low, pi_high, verdict, r2, n, spec
create or replace view mart_expected_values as
select region_code, outcome_id, observed, expected, pi_low, pi_high, verdict, r2, n, spec
from expected_values;

-- Contract: model ('peers' | 'expected'), outcome_id, variables (comma-separated ids), n, n_excluded, r2,
--           explanation
create or replace view mart_stats_models as select * from stats_models;

-- mart_region_names: the name a region code had in every boundary year of the sources, next to its current
-- name. A code whose name changed may cover another area: trend charts flag it.
-- Contract: region_code, boundary_year, name, current_name, name_changed
create or replace view mart_region_names as
select r.region_code, r.boundary_year, r.name, c.name as current_name,
       -- 'Hengelo' and 'Hengelo (O.)' are one name: a province suffix in brackets does not count
       coalesce(lower(regexp_replace(r.name, '\s*\([^)]*\)\s*$', ''))
                <> lower(regexp_replace(c.name, '\s*\([^)]*\)\s*$', '')), false) as name_changed
from regions r
join int_current_regions c using (region_code)
where r.name is not null;

-- mart_former_gemeenten: a gemeente of an older boundary year of the sources whose code no current region has
-- (merged or split since: Landerd, Haaren, Weesp ...), with the last boundary year it appears in. The search
-- says so when someone looks for one, instead of near spellings. The sources hold no names of its wijken and
-- buurten in that year, and a current gemeente is not named as its successor: nothing in the release proves it.
-- Contract: region_code, name, boundary_year
create or replace view mart_former_gemeenten as
select region_code, arg_max(name, boundary_year) as name, max(boundary_year) as boundary_year
from regions r
where level = 'gemeente' and name is not null
  and not exists (select 1 from int_current_regions c where c.region_code = r.region_code)
group by region_code;
