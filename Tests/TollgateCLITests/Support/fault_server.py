#!/usr/bin/env python3
"""A fault-injecting OpenAI-compatible chat-completions server for Tollgate's endpoint tests.

Listens on 127.0.0.1:PORT (argv[1]; 0 picks a free port, printed as the first stdout line).
Every request to /v1/chat/completions is answered by a rule chosen, in order, from:
  1. the script: a list of actions for the first requests (argv[2], JSON), consumed one per request;
  2. the mode, set with POST /__control {"mode": ..., "fail_substring": ...}:
       "normal"       answer
       "fail_matching" 500 for requests whose body contains fail_substring, answer the rest
       "down"         503 for every request
  Actions: "ok", "429:<seconds>" (Retry-After), "429ms:<ms>" (retry-after-ms), "500", "503",
  "quota" (429 insufficient_quota), "401", "400" (the request's response_format refused), "drop" (close mid-stream), "slow:<seconds>" (first token late).
The answer's content is the text after "ANSWER:" in the last user message, else "billing_refund"; a
content that starts with "FINISH=<reason>;" is sent without that prefix and with that finish_reason
(the judge tests' truncated and refused verdicts).
It requires "Authorization: Bearer <EXPECTED_KEY>" when the EXPECTED_KEY variable is set (401 otherwise).
GET /__stats returns {"requests", "peak_in_flight", "in_flight", "by_body": {body-sha: count}}.
Stops on SIGTERM. Never prints a header or a key.
"""
import hashlib, json, os, signal, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"requests": 0, "in_flight": 0, "peak_in_flight": 0, "mode": "normal", "fail_substring": "",
         "script": json.loads(sys.argv[2]) if len(sys.argv) > 2 else [], "by_body": {}}
EXPECTED_KEY = os.environ.get("EXPECTED_KEY")
HOLD_SECONDS = float(os.environ.get("HOLD_SECONDS", "0"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/__stats":
            with lock:
                self.send_json(200, {k: state[k] for k in ("requests", "in_flight", "peak_in_flight", "by_body")})
        else:
            self.send_json(200, {"object": "list", "data": [{"id": "fault-model", "object": "model"}]})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/__control":
            with lock:
                state.update(json.loads(body))
            return self.send_json(200, {"ok": True})
        with lock:
            state["requests"] += 1
            state["in_flight"] += 1
            state["peak_in_flight"] = max(state["peak_in_flight"], state["in_flight"])
            key = hashlib.sha256(body).hexdigest()[:16]
            state["by_body"][key] = state["by_body"].get(key, 0) + 1
            action = state["script"].pop(0) if state["script"] else None
            mode, fail_substring = state["mode"], state["fail_substring"]
        try:
            self.respond(body, action, mode, fail_substring)
        finally:
            with lock:
                state["in_flight"] -= 1

    def respond(self, body, action, mode, fail_substring):
        if EXPECTED_KEY is not None and self.headers.get("Authorization") != "Bearer " + EXPECTED_KEY:
            return self.send_json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                                  "code": "invalid_api_key"}})
        request = json.loads(body)
        if action is None:
            if mode == "down":
                action = "503"
            elif mode == "fail_matching" and fail_substring and fail_substring.encode() in body:
                action = "500"
            else:
                action = "ok"
        if action.startswith("429:"):
            return self.send_json(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}},
                                  [("Retry-After", action[4:])])
        if action.startswith("429ms:"):
            return self.send_json(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded"}},
                                  [("retry-after-ms", action[6:])])
        if action == "quota":
            return self.send_json(429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                                                  "code": "insufficient_quota"}})
        if action in ("500", "503"):
            return self.send_json(int(action), {"error": {"message": "upstream failure", "type": "server_error"}})
        if action == "400":
            return self.send_json(400, {"error": {"message": "Unrecognized request argument supplied: response_format",
                                                  "type": "invalid_request_error"}})
        if action == "401":
            return self.send_json(401, {"error": {"message": "bad key", "type": "invalid_request_error"}})
        delay = float(action[5:]) if action.startswith("slow:") else 0
        last_user = [m["content"] for m in request.get("messages", []) if m.get("role") == "user"][-1:] or [""]
        content = last_user[0].split("ANSWER:", 1)[1].strip() if "ANSWER:" in last_user[0] else "billing_refund"
        finish = "stop"
        if content.startswith("FINISH=") and ";" in content:
            finish, content = content[len("FINISH="):].split(";", 1)
        time.sleep(HOLD_SECONDS + delay)
        usage = {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}
        if not request.get("stream"):
            return self.send_json(200, {"id": "x", "object": "chat.completion", "model": request.get("model"),
                                        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                                     "finish_reason": finish}], "usage": usage})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        half = len(content) // 2
        chunks = [{"role": "assistant"}, {"content": content[:half]}, {"content": content[half:]}]
        for index, delta in enumerate(chunks):
            event = {"id": "x", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            self.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
            self.wfile.flush()
            if action == "drop" and index == 1:
                self.close_connection = True
                self.connection.shutdown(2)
                return
        done = {"id": "x", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
        self.wfile.write(b"data: " + json.dumps(done).encode() + b"\n\n")
        if (request.get("stream_options") or {}).get("include_usage"):
            self.wfile.write(b"data: " + json.dumps({"id": "x", "choices": [], "usage": usage}).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print(server.server_address[1], flush=True)
server.serve_forever()
