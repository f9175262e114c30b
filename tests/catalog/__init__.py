from pathlib import Path

# A small catalogue for the tests: two services of two agencies and a life situation.
SAMPLE = Path(__file__).parent / "sample"
