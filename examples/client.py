"""A minimal client in Python (standard library only): score one window, then read an engine's trajectory.

Run from the repository root: python3 examples/client.py [url] [api key]
"""
import json
import os
import sys
import urllib.request

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4000/graphql"
API_KEY = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("ENGINE_HEALTH_API_KEY")


def graphql(query, variables=None):
    headers = {"content-type": "application/json"}
    if API_KEY:
        headers["authorization"] = f"Bearer {API_KEY}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(URL, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit("; ".join(f"{e.get('extensions', {}).get('code')}: {e['message']}" for e in answer["errors"]))
    return answer["data"]


# 30 cycles of FD001 engine 1 as named sensor columns, shipped in examples/window-variables.json.
with open(os.path.join(os.path.dirname(__file__), "window-variables.json")) as file:
    window = json.load(file)["window"]

scored = graphql(
    "mutation ($window: WindowInput!) { scoreWindow(window: $window) { score threshold isAnomaly contributions { sensor share } } }",
    {"window": window},
)["scoreWindow"]
top = ", ".join(f"{c['sensor']} {c['share'] * 100:.0f}%" for c in scored["contributions"][:3])
print(f"score {scored['score']:.4f} (threshold {scored['threshold']:.4f}), anomalous: {scored['isAnomaly']}; top sensors: {top}")

engine = graphql(
    "query ($id: Int!) { engine(id: $id) { trajectory { firstFlaggedCycle points { endCycle score rul } } } }",
    {"id": 1},
)["engine"]["trajectory"]
last = engine["points"][-1]
print(f"engine 1: {len(engine['points'])} windows, first alarm at cycle {engine['firstFlaggedCycle']}, last score {last['score']:.4f} at RUL {last['rul']}")
