"""Replaces a generated table between two markers in docs/benchmarks.md, atomically."""
import os
import sys

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "benchmarks.md")


def replace_between(begin, end, table, doc=DOC):
    text = open(doc).read()
    if begin not in text or end not in text:
        sys.exit(f"{doc} lacks the {begin} … {end} markers")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(doc + ".tmp", "w") as out:
        out.write(head + begin + "\n" + table + "\n" + end + tail)
    os.replace(doc + ".tmp", doc)
    print(f"updated {doc}", file=sys.stderr)
