//! Helpers shared by the benchmarks that drive the release binary: running it, a
//! `certify serve` process and a keep-alive HTTP/1.1 client for it, latency figures and
//! targets. They fail with `anyhow` errors that say what was being done, for the benches
//! to pass on with `?`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

/// A fictional ID number with a valid check character (area 990101 belongs to no
/// region), distinct for every `n` below 6,720,000.
pub fn fictional_id(n: usize) -> String {
    let day = 19800101 + (n % 28) as u32 + 100 * ((n / 28) % 12) as u32 + 10000 * ((n / 336) % 20) as u32;
    let first17 = format!("990101{day}{:03}", (n / 6720) % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(weights).map(|(digit, w)| u32::from(digit - b'0') * w).sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// Runs the release binary on `db`; returns the wall time and stdout. Fails, with the
/// binary's stderr, when it cannot be started or exits non-zero.
pub fn certify(db: &Path, args: &[&str]) -> Result<(Duration, Vec<u8>)> {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_certify")).arg("--db").arg(db).args(args).output();
    let elapsed = start.elapsed();
    let output = succeeded(output, args)?;
    Ok((elapsed, output.stdout))
}

/// Like [`certify`], also reading the peak resident memory (KiB) through /usr/bin/time.
pub fn certify_measured(db: &Path, args: &[&str]) -> Result<(Duration, Option<u64>)> {
    let timer = Path::new("/usr/bin/time");
    if !timer.exists() {
        return Ok((certify(db, args)?.0, None));
    }
    let start = Instant::now();
    let output = Command::new(timer)
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_certify"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output();
    let elapsed = start.elapsed();
    let output = succeeded(output, args)?;
    let peak = String::from_utf8_lossy(&output.stderr).lines().last().and_then(|l| l.trim().parse().ok());
    Ok((elapsed, peak))
}

/// The output of `certify args`, or an error when it did not start or exited non-zero.
fn succeeded(output: std::io::Result<Output>, args: &[&str]) -> Result<Output> {
    let output = output.with_context(|| format!("starting certify {args:?}"))?;
    if !output.status.success() {
        bail!("certify {args:?} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim_end());
    }
    Ok(output)
}

/// A temporary directory for one benchmark's workspace and files, removed on drop.
pub fn temp_dir() -> Result<tempfile::TempDir> {
    tempfile::tempdir().context("creating a temporary directory")
}

/// `path` as a command-line argument.
pub fn utf8(path: &Path) -> Result<&str> {
    path.to_str().with_context(|| format!("path {} is not valid UTF-8", path.display()))
}

/// Writes a generated input file.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

/// The size of a file in bytes.
pub fn file_size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path).with_context(|| format!("reading the size of {}", path.display()))?.len())
}

/// Parses the `--json` output of a certify command; `what` names it in the error.
pub fn parse_json(stdout: &[u8], what: &str) -> Result<serde_json::Value> {
    serde_json::from_slice(stdout).with_context(|| format!("parsing the JSON output of {what}"))
}

/// A string in certify's JSON output; `what` names the field in the error.
pub fn json_str<'a>(value: &'a serde_json::Value, what: &str) -> Result<&'a str> {
    value.as_str().with_context(|| format!("{what} is missing or not a string in certify's JSON output"))
}

/// An array in certify's JSON output; `what` names the field in the error.
pub fn json_array<'a>(value: &'a serde_json::Value, what: &str) -> Result<&'a [serde_json::Value]> {
    value
        .as_array()
        .map(Vec::as_slice)
        .with_context(|| format!("{what} is missing or not an array in certify's JSON output"))
}

pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// p50, p99 and max of `latencies` in milliseconds (nearest rank; NaN when empty).
pub fn percentiles_ms(latencies: &mut [Duration]) -> (f64, f64, f64) {
    latencies.sort();
    let at = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        latencies[rank - 1].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99), at(1.0))
}

/// One report line: `name`, then p50 / p99 / max in ms and how many were measured.
pub fn latency_line(name: &str, latencies: &mut [Duration]) -> (f64, f64, f64) {
    let (p50, p99, max) = percentiles_ms(latencies);
    println!("{name:<40} p50 {p50:>7.1} ms  p99 {p99:>7.1} ms  max {max:>7.1} ms  (n = {})", latencies.len());
    (p50, p99, max)
}

/// The targets a benchmark checks, remembering the missed ones so that `main` can end
/// with an error naming them (exit status 1).
#[derive(Default)]
pub struct Targets {
    missed: Vec<String>,
}

impl Targets {
    /// Records whether the target `name` was met; returns the verdict for the report line.
    pub fn check(&mut self, name: &str, met: bool) -> &'static str {
        if met {
            "ok"
        } else {
            self.missed.push(name.trim().to_owned());
            "MISSED"
        }
    }

    /// Prints one line of a benchmark report and records its verdict.
    pub fn verdict(&mut self, name: &str, value: f64, target: f64, unit: &str) {
        let verdict = self.check(name, value <= target);
        println!("{name:<52} {value:>9.3} {unit:<3} target ≤ {target} {unit:<3} {verdict}");
    }

    /// Ok when every target was met, otherwise an error listing the missed ones.
    pub fn finish(self) -> Result<()> {
        if self.missed.is_empty() {
            return Ok(());
        }
        bail!("{} target(s) missed: {}", self.missed.len(), self.missed.join("; "))
    }
}

const DOMAINS: [&str; 8] =
    ["职业道德", "政策法规", "营养喂养", "生活照料", "卫生保健", "安全防护", "早期发展", "合作共育"];
const TOPICS: [&str; 10] = [
    "辅食添加",
    "午睡照护",
    "七步洗手",
    "晨午检",
    "气道异物",
    "烫伤处理",
    "亲子阅读",
    "入托适应",
    "生长监测",
    "玩具消毒",
];

/// A bank of `n` distinct, valid items in the CSV layout exam offices use. Domain, kind,
/// difficulty and levels cycle independently (periods 8, 5, 4 and 3 of successive
/// quotients), so every blueprint cell is filled once `n` reaches a few hundred.
pub fn generate_csv(n: usize) -> String {
    let mut csv = String::from("编号,领域,题型,等级,难度,题干,选项A,选项B,选项C,选项D,答案,解析,标签,出处\n");
    for i in 0..n {
        let domain = DOMAINS[i % DOMAINS.len()];
        let topic = TOPICS[(i / 8) % TOPICS.len()];
        let band = ["易", "中", "中", "难"][(i / 40) % 4];
        let levels = ["五级、四级、三级、初级、中级、高级", "四级、三级、中级、高级", "三级、高级"][(i / 160) % 3];
        let (kind, options, answer) = match (i / 8) % 5 {
            0 => ("判断", ",,,", if i % 2 == 0 { "对" } else { "错" }),
            1 | 2 => ("单选", "做法甲,做法乙,做法丙,做法丁", ["A", "B", "C", "D"][i % 4]),
            _ => ("多选", "要点甲,要点乙,要点丙,要点丁", ["AB", "ACD", "BCD", "ABCD"][i % 4]),
        };
        let stem = if kind == "判断" {
            format!("第{i}号生成题：关于{topic}的这一说法是正确的。")
        } else {
            format!("第{i}号生成题：关于{topic}，下列做法中恰当的是（  ）。")
        };
        csv.push_str(&format!(
            "GEN-{i:06},{domain},{kind},{levels},{band},{stem},{options},{answer},用于性能测试的生成题。,{topic},《托育机构保育指导大纲（试行）》\n"
        ));
    }
    csv
}

/// A 5-step rubric: one step per section, two in 操作过程.
pub fn rubric(id: &str, category: &str) -> String {
    let sections: [(&str, &[(&str, f64)]); 4] = [
        ("操作准备", &[("1.1", 20.0)]),
        ("操作过程", &[("2.1", 30.0), ("2.2", 30.0)]),
        ("整理与记录", &[("3.1", 10.0)]),
        ("职业素养与人文关怀", &[("4.1", 10.0)]),
    ];
    let mut text =
        format!("id = \"{id}\"\ntitle = \"基准任务 {id}\"\ncategory = \"{category}\"\nlevels = [\"四级\"]\n");
    for (name, steps) in sections {
        text.push_str(&format!("\n[[section]]\nname = \"{name}\"\n"));
        for (step, points) in steps {
            text.push_str(&format!(
                "[[section.step]]\nid = \"{step}\"\ntext = \"步骤\"\npoints = {points}\nrule = \"未做不得分\"\n"
            ));
        }
    }
    text.push_str("\n[[veto]]\nid = \"V1\"\ntext = \"危及安全\"\n");
    text
}

/// A running `certify serve`, killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`, as the server printed it.
    pub address: String,
}

impl Server {
    /// Starts `certify serve --session session` on a free port of 127.0.0.1.
    pub fn start(db: &Path, session: &str) -> Result<Server> {
        Server::start_on(db, session, "127.0.0.1:0", None)
    }

    /// Starts it on `listen` (a restart takes the port its predecessor had) and returns
    /// once it printed its address, i.e. listens. Its request log (stderr, one line per
    /// request with the time the server took) is appended to `log`, or dropped.
    pub fn start_on(db: &Path, session: &str, listen: &str, log: Option<&Path>) -> Result<Server> {
        let stderr = match log {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("opening {}", path.display()))?,
            ),
            None => Stdio::null(),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_certify"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--session", session, "--listen", listen])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .context("starting certify serve")?;
        let stdout = child.stdout.take().context("serve's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().context("serve printed nothing")??;
        // Keep draining so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let start = first.find("http://").with_context(|| format!("no address in {first:?}"))? + "http://".len();
        let address: String =
            first[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
        Ok(Server { child, address })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User + system CPU seconds the server process has used so far (/proc/PID/stat).
    pub fn cpu_seconds(&self) -> Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).context("reading /proc/PID/stat")?;
        // The command name, in parentheses, may hold spaces: count fields after it.
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).context("no ) in /proc/PID/stat")?;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // Fields 14 and 15 of stat(5) (utime, stime) are the 12th and 13th after the name.
        let ticks: u64 = fields
            .get(11..13)
            .context("short /proc/PID/stat")?
            .iter()
            .map(|f| f.parse::<u64>())
            .sum::<Result<_, _>>()?;
        Ok(ticks as f64 / clock_ticks_per_second())
    }

    /// SIGTERM and the exit code, waiting at most 60 s.
    pub fn stop(&mut self) -> Result<i32> {
        self.signal("TERM")?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!("certify serve did not stop within 60 s of SIGTERM")
    }

    /// `kill -9`: the process ends at once, whatever it was doing; returns once it has.
    pub fn kill_9(&mut self) -> Result<()> {
        self.signal("KILL")?;
        self.child.wait().context("waiting for the killed server")?;
        Ok(())
    }

    fn signal(&self, name: &str) -> Result<()> {
        let sent = Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()).status()?;
        ensure!(sent.success(), "kill -{name} failed");
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The kernel's clock ticks per second, in which /proc reports CPU time.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(100.0)
}

pub struct Response {
    pub status: u16,
    pub cookie: Option<String>,
    pub body: String,
}

impl Response {
    /// The body as JSON; `what` names the request in the error.
    pub fn json(&self, what: &str) -> Result<serde_json::Value> {
        serde_json::from_str(&self.body).with_context(|| format!("{what}: not JSON: {}", self.body))
    }
}

/// How long one request may take before the bench gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// One keep-alive HTTP/1.1 connection, as a browser keeps one to the server, reopened
/// when the server closed it.
pub struct Connection {
    address: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Connection {
    pub fn new(address: &str) -> Connection {
        Connection { address: address.to_owned(), stream: None }
    }

    pub fn get(&mut self, path: &str, cookie: Option<&str>) -> Result<Response> {
        self.request("GET", path, cookie, None)
    }

    /// A POST as the pages' scripts send it: JSON.
    pub fn post(&mut self, path: &str, cookie: Option<&str>, body: &str) -> Result<Response> {
        self.request("POST", path, cookie, Some(body))
    }

    pub fn put(&mut self, path: &str, cookie: Option<&str>, body: &str) -> Result<Response> {
        self.request("PUT", path, cookie, Some(body))
    }

    fn request(&mut self, method: &str, path: &str, cookie: Option<&str>, body: Option<&str>) -> Result<Response> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.address);
        if let Some(body) = body {
            request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        if let Some(cookie) = cookie {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body.unwrap_or_default());
        let reused = self.stream.is_some();
        let mut result = self.send(&request);
        // The server closes a keep-alive connection that was idle for a while; like a
        // browser, send once more on a new one when a reused connection ended before any
        // answer came (the request was not taken: hyper closes only idle connections).
        if reused && matches!(&result, Err(e) if e.downcast_ref::<Unanswered>().is_some()) {
            result = self.send(&request);
        }
        result
    }

    /// Sends `request` (connecting first when needed) and reads the answer; forgets the
    /// connection when it failed or the server closes it.
    fn send(&mut self, request: &str) -> Result<Response> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.address).context("connecting")?;
            stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
            stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
            stream.set_nodelay(true)?;
            self.stream = Some(BufReader::new(stream));
        }
        let result = self.exchange(request);
        if result.as_ref().map_or(true, |(_, keep)| !keep) {
            self.stream = None;
        }
        result.map(|(response, _)| response)
    }

    /// Sends `request` and reads the answer; also whether the connection stays open.
    fn exchange(&mut self, request: &str) -> Result<(Response, bool)> {
        let stream = self.stream.as_mut().context("not connected")?;
        // A closed connection shows as a failed write, an end of file or a reset before
        // the status line; a timeout is no such thing and is reported as it is.
        let closed = |e: &std::io::Error| {
            use std::io::ErrorKind::*;
            matches!(e.kind(), BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof)
        };
        match stream.get_mut().write_all(request.as_bytes()) {
            Err(e) if closed(&e) => return Err(Unanswered.into()),
            written => written.context("sending")?,
        }
        let mut status_line = String::new();
        match stream.read_line(&mut status_line) {
            Ok(0) => return Err(Unanswered.into()),
            Err(e) if closed(&e) => return Err(Unanswered.into()),
            read => read.context("reading the status line")?,
        };
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("no status in {status_line:?}"))?;
        let (mut length, mut cookie, mut keep) = (0usize, None, true);
        loop {
            let mut line = String::new();
            stream.read_line(&mut line).context("reading a header")?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().context("content-length")?,
                "set-cookie" => cookie = value.split(';').next().map(str::to_owned),
                "connection" if value.eq_ignore_ascii_case("close") => keep = false,
                "transfer-encoding" => bail!("chunked answers are not expected from the JSON API"),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).context("reading the body")?;
        Ok((Response { status, cookie, body: String::from_utf8_lossy(&body).into_owned() }, keep))
    }
}

/// The connection ended before any answer to the request came back: the server closed
/// it, or is gone.
#[derive(Debug)]
pub struct Unanswered;

impl std::fmt::Display for Unanswered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the connection ended before an answer came")
    }
}

impl std::error::Error for Unanswered {}
