from funding.models import FundingRate
from kim_admin.forms import ScopedModelForm


class FundingRateForm(ScopedModelForm):
    class Meta:
        model = FundingRate
        fields = [
            "programme",
            "block",
            "kind",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient",
            "scenario",
            "source",
        ]
