-- wrk script of benchmarks/bench_load.py. Two modes (the arguments after `--`):
--
--   page <cookies file>
--       GET the URL's path; each request sends one of the session cookies in the file (one per
--       line), in turn. Counts responses other than 200 (wrk itself counts a 3xx as fine, and a
--       redirect to the login page is not).
--   upload <template file> <suppliers file> <run id>
--       POST /api/invoices/ with a new 数电 XML invoice per request: the template's @NUMBER@ is a
--       20-digit number unique to (run, thread, request), @SELLER_ID@ / @SELLER_NAME@ the supplier
--       whose bearer token signs the request (suppliers file: token TAB tax id TAB name per line,
--       taken in turn). Counts 201 (created), 200 (an idempotent replay: the same bytes again) and
--       anything else.
--
-- done() prints one line `WRKJSON {...}` with the request count, duration, latency percentiles
-- (microseconds) and the counts above, and `WRKBAD <status> <body start>` for the first wrong
-- answer of each thread.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(out, line)
    end
  end
  return out
end

function init(args)
  mode = args[1]
  n, ok, replay, bad, first_bad = 0, 0, 0, 0, ""
  if mode == "page" then
    cookies = read_lines(args[2])
    expected = 200
  elseif mode == "upload" then
    local f = assert(io.open(args[2], "rb"))
    template = f:read("*a")
    f:close()
    suppliers = {}
    for _, line in ipairs(read_lines(args[3])) do
      local token, tax_id, name = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
      table.insert(suppliers, { token = token, tax_id = tax_id, name = name })
    end
    run = tonumber(args[4])
    boundary = "----benchload" .. args[4] .. tid
    expected = 201
  else
    error("mode must be page or upload, got " .. tostring(mode))
  end
end

function request()
  n = n + 1
  if mode == "page" then
    return wrk.format("GET", nil, { ["Cookie"] = cookies[(n + tid) % #cookies + 1] })
  end
  local s = suppliers[(n + tid) % #suppliers + 1]
  local number = string.format("27%08d%02d%08d", run, tid, n)
  local xml = template:gsub("@NUMBER@", number):gsub("@SELLER_ID@", s.tax_id):gsub("@SELLER_NAME@", s.name)
  local body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="file"; filename="' .. number .. '.xml"\r\n'
    .. "Content-Type: application/xml\r\n\r\n"
    .. xml .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/api/invoices/", {
    ["Authorization"] = "Bearer " .. s.token,
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
  }, body)
end

function response(status, headers, body)
  if status == expected then
    ok = ok + 1
  elseif mode == "upload" and status == 200 then
    replay = replay + 1
  else
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.sub(body or "", 1, 300):gsub("%s+", " ")
    end
  end
end

function done(summary, latency, requests)
  local total_ok, total_replay, total_bad = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_replay = total_replay + thread:get("replay")
    total_bad = total_bad + thread:get("bad")
    local first = thread:get("first_bad")
    if first ~= "" then
      io.write("WRKBAD " .. first .. "\n")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "mean_us": %.1f, "ok": %d, "replay": %d, "bad": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, total_ok, total_replay, total_bad, e.connect, e.read,
    e.write, e.status, e.timeout
  ))
end
