from pathlib import Path

# A small catalogue for the tests: two services of two agencies, a life situation, and two
# programmes that pay adults (programmes/, loaded by the programmes app).
SAMPLE = Path(__file__).parent / "sample"
