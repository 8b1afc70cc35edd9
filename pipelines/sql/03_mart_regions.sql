-- mart_regions: every region the app can show, with its parents and a folded search key.
-- Contract: region_code, level, name, boundary_year, gemeente_code, gemeente_name, wijk_code, wijk_name,
--           inwoners, search_key (lower case, accents and punctuation removed),
--           postcode (buurten: the 4 digits of the buurt's most common postcode, KWB; else NULL)
create or replace view mart_regions as
with inwoners as (
    select region_code, value as inwoners from int_profile
    where indicator_id = 'inwoners' and age_group = 'totaal'
),
postcode as (
    -- catalogue indicator meest_voorkomende_postcode (hidden): a search key, not a statistic
    select region_code, lpad(cast(cast(value as integer) as varchar), 4, '0') as postcode from int_profile
    where indicator_id = 'meest_voorkomende_postcode' and value between 1000 and 9999 and region_code like 'BU%'
),
final as (
    select r.region_code, r.level, r.name, r.boundary_year,
           r.gemeente_code, g.name as gemeente_name, r.wijk_code, w.name as wijk_name, i.inwoners,
           trim(regexp_replace(lower(strip_accents(r.name || ' ' || r.region_code)), '[^a-z0-9]+', ' ', 'g'))
               as search_key,
           p.postcode
    from int_current_regions r
    left join int_current_regions g on g.region_code = r.gemeente_code
    left join int_current_regions w on w.region_code = r.wijk_code
    left join inwoners i on i.region_code = r.region_code
    left join postcode p on p.region_code = r.region_code
)
select * from final;

-- mart_name_corrections: the declared corrections of region names a source spells with a broken character
-- (pipelines/name_corrections.toml); applied = false when the source no longer has that spelling.
-- Contract: region_code, source_spelling, name, why, applied
create or replace view mart_name_corrections as
select region_code, source_spelling, name, why, applied from name_corrections order by region_code;
