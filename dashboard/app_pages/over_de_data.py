"""Page 'Over de data': catalogue, sources, boundary joins, missing values, cbsodata recipes, database download."""
import pandas as pd
import streamlit as st

from dashboard.core import cbsodata_recipe, downloads
from dashboard.core import state
from dashboard.divisions import about as division_about
from dashboard.core.format import STANDOUT_SHARE, fmt_number
from dashboard.core.whole_choice import whole_choice
from dashboard.gesprekskaart.wording import MODEL_MARGIN, SAME_REL
from pipelines.catalogue import load_catalogue

LENS = {"asset": "Kracht", "problem": "Zorgen", "context": "Achtergrond"}
ORDER = {"Kracht": 0, "Zorgen": 1, "Achtergrond": 2}  # the asset lens first, here too
DIRECTION = {"higher_is_better": "hoger is gunstiger", "lower_is_better": "lager is gunstiger", "neutral": "neutraal"}

st.title("Over de data")
st.markdown("Buurtbalans gebruikt alleen open cijfers van CBS en van RIVM en Politie via CBS. Elk cijfer op het "
            "scherm noemt zijn tabel, periode en buurtindeling. Cijfers over herkomst of migratieachtergrond "
            "gebruiken we nergens.")

catalogue, sources = state.cached("catalogue"), state.cached("sources")
st.header("Onderwerpen")
shown = catalogue.assign(
    Kant=catalogue["lens"].map(LENS), Richting=catalogue["direction"].map(DIRECTION),
    Geschat=catalogue["modelled"].map({True: "ja, modelschatting", False: "nee, telling of registratie"}),
    Getoond=[("nee, bouwsteen" if h else "achter 'Meer cijfers'" if not lnd else "ja")
             for h, lnd in zip(catalogue["hidden"], catalogue["landing"])])
shown = shown.rename(columns={"label": "Onderwerp", "description": "Omschrijving", "unit": "Eenheid",
                              "tables": "Brontabel(len)", "periods": "Perioden", "buurten_with_value": "Buurten met cijfer",
                              "indicator_id": "Code"})
st.dataframe(shown[["Onderwerp", "Kant", "Omschrijving", "Eenheid", "Richting", "Geschat", "Brontabel(len)",
                    "Perioden", "Buurten met cijfer", "Getoond", "Code"]].sort_values(
                 ["Kant", "Onderwerp"], key=lambda s: s.map(ORDER).fillna(s) if s.name == "Kant" else s),
             hide_index=True)

st.header("Bronnen")
src = sources.rename(columns={"table_id": "Tabel", "title": "Titel", "catalog": "Catalogus", "period": "Periode",
                              "boundary_year": "Indeling", "licence": "Licentie", "attribution": "Naamsvermelding",
                              "fetched_at": "Opgehaald", "method": "Hoe", "snapshot_scope": "Bereik", "note": "Opmerking"})
# 'Indeling', not 'Buurtindeling': the Kiesraad counts have gemeenten only (their division is the gemeenten's)
st.dataframe(src[["Tabel", "Titel", "Catalogus", "Periode", "Indeling", "Licentie", "Naamsvermelding",
                  "Opgehaald", "Hoe", "Bereik", "Opmerking"]], hide_index=True)

st.header("Wat de bron zelf zegt")
st.markdown("Onze omschrijving is in gewone taal. Daarnaast staat hier wat CBS of RIVM zelf over elke kolom zegt, "
            "zodat u kunt nagaan dat ons label hetzelfde meet. Let op: een **landelijke 40%-maat** (huishoudens of "
            "inkomensontvangers in de 40% laagste inkomens van Nederland) is in heel Nederland altijd 40%; dat is "
            "iets anders dan **huishoudens met een laag inkomen** (onder de vaste lage-inkomensgrens, landelijk "
            "ongeveer 8%).")
definitions = state.cached("definitions")
ROLE = {"waarde": "het cijfer zelf", "teller": "teller (boven de deelstreep)", "noemer": "noemer (onder de deelstreep)"}
st.dataframe(definitions.assign(role=definitions["role"].map(ROLE)).rename(columns={
    "label": "Onderwerp", "description": "Onze omschrijving", "table_id": "Tabel", "column": "Kolom", "role": "Rol",
    "source_title": "Titel bij de bron", "source_description": "Omschrijving bij de bron", "origin": "Herkomst"})[
    ["Onderwerp", "Onze omschrijving", "Tabel", "Kolom", "Rol", "Titel bij de bron", "Omschrijving bij de bron",
     "Herkomst"]].fillna({"Omschrijving bij de bron": "nog niet in deze versie (komt bij verversen uit DataProperties)"}),
    hide_index=True)

st.header("Buurtindelingen")
st.markdown("Gemeenten delen hun buurten soms opnieuw in. Buurtbalans toont alles op de indeling van 2024. Een "
            "cijfer uit een oudere indeling koppelen we alleen als de buurtcode in beide jaren bestaat (en hetzelfde "
            "gebied aanduidt, zie hieronder). Bestaat "
            "de code niet meer, dan staat er 'niet beschikbaar (andere buurtindeling)'. Zo koppelen de tabellen:")
st.markdown("\n".join(
    f"- **{r.title}** ({r.table_id}, indeling {r.boundary_year}): {fmt_number(r.buurten_joined)} van de "
    f"{fmt_number(r.buurten_total)} buurtcodes bestaan ook in 2024; {fmt_number(r.buurten_not_joined)} niet."
    if r.buurten_total else  # a table with gemeenten only (the Kiesraad counts): no '0 van de 0 buurtcodes'
    f"- **{r.title}** ({r.table_id}, indeling {r.boundary_year}): alleen cijfers per gemeente, geen buurten."
    for r in sources.itertuples() if pd.notna(r.buurten_total)))
division_about.render_division_joins()  # accepted and refused joins per table (dashboard/divisions/about.py)

corrections = state.cached("name_corrections")
if corrections["applied"].any():
    st.subheader("Namen die we verbeteren")
    st.markdown("Een paar namen staan in de bron met een verkeerd teken. Buurtbalans toont de juiste naam; zo "
                "vindt u de buurt ook met zoeken. Verbetert CBS de naam, dan tonen we weer die van CBS.")
    st.markdown("\n".join(f"- **{r.name}** ({r.region_code}): in de bron '{r.source_spelling}'. {r.why}"
                          for r in corrections[corrections["applied"]].itertuples()))

st.header("Geheim, ontbrekend en geschat")
st.markdown("""
- **Geheim**: CBS en RIVM publiceren geen cijfer als er te weinig mensen wonen of als de schatting te onzeker is.
  Dan staat er 'geheim'. We vullen zo'n gat nooit zelf in.
- **Niet beschikbaar**: de bron heeft de buurt wel, maar geen cijfer, of de bron gebruikt een andere buurtindeling.
- **Niet in de meegeleverde gegevens**: de meegeleverde gegevens hebben dit onderwerp niet voor dit gebied (zo is
  opleiding nu alleen meegeleverd voor Amsterdam). Een verversing bij CBS kan dit aanvullen.
- **Te weinig inwoners voor een betrouwbaar cijfer**: CBS rondt aantallen af (mensen met een uitkering op tientallen,
  inwoners en huishoudens van kleine buurten op vijftallen). Een verhouding uit zulke afgeronde aantallen rekenen
  we pas uit vanaf een minimum aantal inwoners of huishoudens (per onderwerp in de catalogus); daaronder staat er
  'te weinig inwoners voor een betrouwbaar cijfer'. Een aandeel boven 100% of meer dan 1.000 per 1.000 tonen we nooit.
- **Afgerond 0**: een aantal dat CBS afrondt op 0 kan 0 tot 4 zijn. We tonen dan wat het cijfer kan zijn, van 0
  tot de hoogst mogelijke waarde (bijvoorbeeld '0 tot 15 per 1.000 inwoners'), en noemen het nooit 'de laagste'. Op de kaart heeft zo'n gebied een eigen kleur,
  'Afgerond 0 (0 tot 4)' (roze, met stippen), en telt het niet mee voor de grenzen van de kleurklassen.
- **Ongeveer**: CBS rondt ook de andere aantallen af (mensen met een uitkering op tientallen, inwoners van wijken en buurten op
  vijftallen). In een kleine buurt maakt dat een cijfer per 1.000 inwoners onzeker: 10 mensen met een WW-uitkering bij 345
  inwoners kan 5 tot 14 bij 343 tot 347 zijn, dus 14 tot 41 per 1.000. Dan tonen we 'ongeveer 29 (14 tot 41)' en
  noemen we iets alleen hoger of lager dan andere buurten, de gemeente of Nederland als dat voor elke waarde binnen
  die afronding klopt.
- **0 of onbekend**: in de meegeleverde cijfers van 2024 (85984NED) is een 0 door een eerdere bewerker leeg gemaakt.
  Een leeg vak daar kan dus 0 zijn of onbekend.
- **Geen landcijfer**: sommige tabellen hebben geen cijfer voor heel Nederland. Dan staat er 'deze tabel heeft geen
  landcijfer'; dat heeft niets met de buurtindeling te maken.
- **Geschat**: de gezondheidscijfers van RIVM zijn modelschattingen per buurt, geen tellingen. Waar de bron een
  marge (95%-interval) geeft, tonen we die.
- **Vergelijken met buurten**: de balk bij een cijfer toont welk deel van alle buurten een lagere waarde heeft
  in dezelfde tabel, hetzelfde jaar en dezelfde leeftijdsgroep.
- **Kracht en zorgen samen**: per buurt het gemiddelde van gestandaardiseerde cijfers (z-scores), zo gedraaid
  dat hoger 'meer kracht' of 'meer zorgen' betekent. Alleen onderwerpen uit de samenvatting tellen mee; geen
  herkomst of migratieachtergrond.
""")

st.markdown(
    f"- **Valt op**: een cijfer heet een sterk punt of een zorg als het gunstiger of ongunstiger is dan in minstens "
    f"{STANDOUT_SHARE // 10} van de 10 buurten (bij afgeronde aantallen: voor elke waarde binnen de afronding). De "
    "samenvatting en de gesprekskaart gebruiken dezelfde regel.\n"
    "- **Hoger, lager of ongeveer even hoog**: de gesprekskaart noemt een cijfer alleen hoger of lager dan de "
    "gemeente of Nederland als het verschil buiten de afronding en buiten de onzekerheid van een schatting valt. "
    "De schattingen van RIVM hebben in de meegeleverde tabellen geen marge. Een verschil kleiner dan "
    f"{fmt_number(MODEL_MARGIN['gemeente'], 1)} procentpunt (gemeente) of {fmt_number(MODEL_MARGIN['buurt'], 1)} "
    "procentpunt (wijk en buurt) heet daarom 'ongeveer even hoog'. Zo ver liggen twee RIVM-schattingen van "
    "hetzelfde cijfer, voor hetzelfde jaar en gebied, bij 99 van de 100 gebieden hoogstens uit elkaar; de echte "
    f"onzekerheid is nog groter. Twee cijfers die minder dan {SAME_REL:.0%} van elkaar verschillen, heten ook "
    "'ongeveer even hoog'.")

st.header("Kaartvormen")
st.markdown("De vormen van buurten en wijken voor 2024 zijn een **benadering**: ze zijn opnieuw opgebouwd op basis "
            "van CBS/Kadaster-gegevens en kunnen aan de randen afwijken van de officiële grenzen. Gebruik ze om te "
            "kijken, niet om te meten.")

st.header("Zelf ophalen bij CBS")
st.markdown("Met het Python-pakket `cbsodata` haalt u dezelfde cijfers rechtstreeks bij CBS op.")
ids = list(catalogue.sort_values("label")["indicator_id"])
labels = dict(zip(catalogue["indicator_id"], catalogue["label"]))
from_link = state.chosen_indicator(ids)
if from_link is None and st.query_params.get(state.INDICATOR):
    st.info(state.link_value_note("het onderwerp", st.query_params.get(state.INDICATOR)))
chosen = from_link or "vrijwilligerswerk"
pick = st.selectbox("Onderwerp", ids, index=ids.index(chosen) if chosen in ids else 0, format_func=labels.get)
whole_choice(st, labels[pick])   # on a phone the box cuts a long label with '…'
here = state.chosen_region()
row = catalogue.set_index("indicator_id").loc[pick].to_dict() | {"indicator_id": pick}
st.code(cbsodata_recipe.cbsodata_snippet(row, load_catalogue().tables, here.code if here.status == "ok" else "GM0363",
                                 set(sources["table_id"])), language="python",
        wrap_lines=True)  # a long line wraps: a scrolling box that Tab cannot reach fails WCAG 2.1.1 (axe, 390 px)

st.header("De hele database")
downloads.release_download(key="download_db")
