"""The Python peer: what a user would write with urllib and json. Reads the client credentials
from the file in BENCH_CREDENTIALS (never argv), takes a token, fetches each page listed in
the file given as the first argument (paths, one per line), parses it and writes each record
as one JSON line to stdout."""
import gzip
import json
import os
import sys
import urllib.parse
import urllib.request

with open(os.environ["BENCH_CREDENTIALS"]) as f:
    creds = json.load(f)
with open(sys.argv[1]) as f:
    paths = [line for line in f.read().split("\n") if line]
use_gzip = os.environ.get("BENCH_GZIP") == "1"

form = urllib.parse.urlencode(
    {"grant_type": "client_credentials", "client_id": creds["clientId"], "client_secret": creds["apiKey"]}).encode()
with urllib.request.urlopen(creds["baseUrl"] + "/connect/token", data=form) as answer:
    token = json.load(answer)["access_token"]

out = sys.stdout
for path in paths:
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    if use_gzip:
        headers["Accept-Encoding"] = "gzip"
    with urllib.request.urlopen(urllib.request.Request(creds["baseUrl"] + path, headers=headers)) as answer:
        body = answer.read()
        if answer.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
    out.write("".join(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
                      for record in json.loads(body)["value"]))
