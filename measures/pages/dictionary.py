"""The data dictionary: every column of the CSV downloads, and their codes."""

from django.shortcuts import render

from measures.reads import dictionary

# The code lists, in the order shown.
CODE_LIST_ORDER = [
    "level",
    "precision",
    "scope",
    "domain",
    "direction",
    "kind",
    "role",
    "marking",
    "grade",
    "state",
]


def data_dictionary(request):
    codes = dictionary.code_lists()
    columns = [
        {"name": name, "meaning": meaning, "unit": unit, "codes": unit in codes}
        for name, (meaning, unit) in sorted(dictionary.COLUMNS.items())
    ]
    return render(
        request,
        "measures/data_dictionary.html",
        {
            "columns": columns,
            "codes": [(name, codes[name]) for name in CODE_LIST_ORDER],
            "min_coverage": dictionary.minimum_coverage_percent(),
            "current": "data-dictionary",
        },
    )
