"""What the models of funding share: the sizes of money and FTE fields."""

MONEY = {"max_digits": 14, "decimal_places": 2}
FTE = {"max_digits": 6, "decimal_places": 3}
