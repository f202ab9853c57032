"""Google Business Profile reviews."""

from connectors.base import ApiClass, Connector
from connectors.google_business.exports import EXPORT_FORMATS

connector = Connector(platform="google_business", export_formats=EXPORT_FORMATS,
                      api=ApiClass("connectors.google_business.api", "GoogleBusinessReviewsApi"))
