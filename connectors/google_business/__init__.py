"""Google Business Profile reviews."""

from connectors.base import ApiClass, Connector, ExportFormats

connector = Connector(platform="google_business", export_formats=ExportFormats("connectors.google_business.exports"),
                      api=ApiClass("connectors.google_business.api", "GoogleBusinessReviewsApi"))
