"""Meta Ads Manager table export (Reports -> Export table data, CSV or XLSX) -> core.ads_daily.

Ads Manager writes the column names in the user's interface language. The names below are
matched case-insensitively. Evidence: English from Meta's export and many public parsers;
Spanish ("Inicio del informe", "Importe gastado (MXN)", "Nombre de la campaña", "Resultados",
"Indicador de resultado", "Impresiones", "Alcance", "Clics en el enlace") and French ("Début des
rapports", "Fin des rapports", "Nom de la campagne", "Montant dépensé (EUR)", "Couverture",
"Clics sur un lien", "Clics (tous)") from public code that reads real exports; German
"Ausgegebener Betrag (EUR)", "Kampagnenname", "Impressionen", "Reichweite", "Link-Klicks",
"Klicks (alle)", "Ergebnisse", "Tag" likewise. The German reporting-period names
("Berichtsbeginn"/"Berichtsende") and the localized campaign-id names were not seen in a real
file: they are best guesses, documented in docs/exports/meta_ads.md.
"""

from __future__ import annotations

# role -> header names in en / es / fr / de (and pt, which Ads Manager shares with es for
# several words). Lower case; compared with casefold().
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "starts": ("reporting starts", "inicio del informe", "début des rapports", "berichtsbeginn",
               "beginn des berichtszeitraums", "início dos relatórios"),
    "ends": ("reporting ends", "fin del informe", "fin des rapports", "berichtsende",
             "ende des berichtszeitraums", "término dos relatórios"),
    # Present when the export has a time breakdown (Breakdown -> By time -> Day).
    "day": ("day", "día", "jour", "tag", "dia"),
    "campaign_name": ("campaign name", "nombre de la campaña", "nom de la campagne", "kampagnenname",
                      "name der kampagne", "nome da campanha"),
    "campaign_id": ("campaign id", "identificador de la campaña", "id. de la campaña", "id de la campaña",
                    "identifiant de la campagne", "id de la campagne", "kampagnen-id", "id da campanha"),
    "impressions": ("impressions", "impresiones", "impressionen", "impressões"),
    "reach": ("reach", "alcance", "couverture", "portée", "reichweite"),
    "link_clicks": ("link clicks", "clics en el enlace", "clics sur un lien", "clics sur le lien",
                    "link-klicks", "cliques no link"),
    "all_clicks": ("clicks (all)", "clics (todos)", "clics (tous)", "klicks (alle)", "cliques (todos)"),
    "results": ("results", "resultados", "résultats", "ergebnisse"),
    "result_indicator": ("result indicator", "indicador de resultado", "indicateur de résultat",
                         "indicateur de résultats", "ergebnisindikator", "indicador de resultados"),
}

# "Amount spent (USD)": the currency is the ISO code in the parentheses.
SPEND_PREFIXES: tuple[str, ...] = (
    "amount spent", "importe gastado", "montant dépensé", "ausgegebener betrag", "betrag ausgegeben",
    "valor usado", "valor gasto",
)

# Decimal mark of "formatted" exports per interface language, used only when no cell of the
# file shows it (e.g. only whole amounts): English "3,084.40", French "3 084,40", German
# "3.084,40", Spanish (Spain) "3.084,40".
DEFAULT_DECIMAL_MARK: dict[str, str] = {"en": ".", "es": ",", "fr": ",", "de": ",", "pt": ","}
HEADER_LANGUAGE: dict[str, str] = {
    "reporting starts": "en", "inicio del informe": "es", "début des rapports": "fr",
    "berichtsbeginn": "de", "beginn des berichtszeitraums": "de", "início dos relatórios": "pt",
    "day": "en", "día": "es", "jour": "fr", "tag": "de", "dia": "pt",
}

# Canonical ads metric -> role above. clicks = link clicks when the export has them (the clicks
# behind Meta's own CPC and CTR columns), else "Clicks (all)".
# conversions = "Results": the count of the campaign's optimisation event...
ADS_METRICS: dict[str, tuple[str, ...]] = {
    "impressions": ("impressions",),
    "reach": ("reach",),
    "clicks": ("link_clicks", "all_clicks"),
    "conversions": ("results",),
}

# ...unless the result indicator says the campaign optimises for delivery, traffic or
# engagement: then "Results" counts impressions, reach, link clicks or video plays, not
# conversions, and conversions stay NULL (a conversion rate of 100 % would be nonsense).
# Compared after dropping an "actions:" prefix.
NON_CONVERSION_RESULTS: frozenset[str] = frozenset({
    "reach", "impressions", "link_click", "landing_page_view", "omni_landing_page_view",
    "post_engagement", "page_engagement", "like", "post_reaction", "comment", "video_view",
    "video_thruplay_watched_actions", "thruplay", "estimated_ad_recallers", "profile_visit",
    "instagram_profile_visit",
})
