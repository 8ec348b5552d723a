"""Reading CityLearn datasets (a ``schema.json`` and the CSV files it names) into typed, unit-named arrays."""
