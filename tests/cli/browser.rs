//! The exam site's pages in a real browser: headless Chromium driven through WebDriver
//! (Debian's `chromium-driver`) by fantoccini, against a real `certify serve` on
//! 127.0.0.1. Three examiners grade one candidate step by step (one marks a veto) while the
//! chief's board, never reloaded, shows the discrepancy and arbitrates it; the sheet at
//! 360 px and 1024 px has every control on screen and large enough to touch; a grade
//! submitted while the server is down is kept by the page and stored once when it returns.
//!
//! Every test is bounded in time; every process (server, chromedriver, Chromium) is ended
//! by a guard whatever happens. Without chromedriver the tests are skipped with a note,
//! except under CI, which installs it and where its absence fails.
//!
//! `CERTIFY_SCREENSHOTS=folder` saves a screenshot of each page the layout test checks (and
//! of the board) there, to look at after changing the pages.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::practical::{HEADER, SESSION, drawn, entry_rows, steps, tasks};
use crate::server::spawn_serve;
use crate::support::Workspace;

/// The most one browser test may take, start to end.
const TEST_LIMIT: Duration = Duration::from_secs(240);
/// The most one wait for the page may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// chromedriver's path, or `None` (with a note) where it is not installed and this is not
/// CI; under CI its absence fails the test.
pub fn chromedriver() -> Option<PathBuf> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| {
            let out = Command::new("sh").arg("-c").arg("command -v chromedriver").output().ok()?;
            let path = String::from_utf8(out.stdout).ok()?.trim().to_owned();
            (!path.is_empty()).then(|| PathBuf::from(path))
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and chromium-driver (.ci/run does) for the browser tests"
        );
        eprintln!("skipped: no chromedriver here (apt-get install chromium chromium-driver to run the browser tests)");
    }
    found
}

/// The Chromium binary chromedriver should start.
fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running chromedriver, killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    pub fn start(path: &PathBuf) -> Driver {
        let port = free_port();
        let mut command = Command::new(path);
        command.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        // Its own process group, so the Chromium it starts ends with it (see `drop`).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("chromedriver starts");
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < WAIT, "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    /// Ends chromedriver and every Chromium process it started (its process group), even
    /// when a test failed before closing its browser.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser: one WebDriver session with its own fresh profile.
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

pub async fn browser(driver: &Driver, width: u32, height: u32) -> Browser {
    let profile = tempfile::tempdir().unwrap();
    let args = vec![
        "--headless".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        // Tablets and phones draw overlay scrollbars that take no width; a desktop
        // scrollbar would make a tall page's viewport 15 px narrower than the screen.
        "--hide-scrollbars".into(),
        "--disable-extensions".into(),
        // No crash handler: it would run in a process group of its own, beyond the guard.
        "--disable-breakpad".into(),
        "--disable-crash-reporter".into(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut options = json!({ "args": args });
    // A desktop window cannot be made this narrow: a phone's screen is emulated instead.
    if width < 600 {
        options["mobileEmulation"] =
            json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true } });
    }
    if let Some(binary) = chromium() {
        options["binary"] = json!(binary);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert("goog:chromeOptions".into(), options);
    caps.insert("pageLoadStrategy".into(), json!("normal"));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session");
    Browser { client, _profile: profile }
}

/// A running `certify serve`, killed when dropped.
struct Serve {
    child: Child,
    /// `127.0.0.1:PORT`
    address: String,
}

impl Serve {
    fn start(ws: &Workspace, listen: &str) -> Serve {
        let (child, address) = spawn_serve(ws, listen);
        Serve { child, address }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Stops it as Ctrl-C does and waits (bounded) until it has.
    fn stop(&mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().is_ok_and(|s| s.success()));
        let started = Instant::now();
        while self.child.try_wait().expect("waits").is_none() {
            assert!(started.elapsed() < WAIT, "the server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `test` on a fresh runtime, failing it if it takes longer than [`TEST_LIMIT`].
pub fn bounded<F: std::future::Future<Output = ()>>(test: F) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(TEST_LIMIT, test).await.expect("the browser test took too long");
    });
}

fn add(ws: &Workspace, name: &str, chief: bool) -> String {
    let mut args = vec!["examiners", "add", "--session", SESSION, "--name", name];
    if chief {
        args.push("--chief");
    }
    ws.json(args)["code"].as_str().unwrap().to_owned()
}

fn count(ws: &Workspace, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(ws.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Evaluates the JavaScript expression `expr` in the page.
pub async fn eval(c: &Client, expr: &str) -> Value {
    c.execute(&format!("return ({expr});"), vec![]).await.unwrap_or_else(|e| panic!("{expr}: {e}"))
}

/// Waits until the JavaScript expression `expr` is truthy in the page.
pub async fn until(c: &Client, expr: &str) {
    until_within(c, expr, WAIT).await;
}

/// Waits until the JavaScript expression `expr` is truthy in the page, at most `limit`.
pub async fn until_within(c: &Client, expr: &str, limit: Duration) {
    let started = Instant::now();
    loop {
        let value = c.execute(&format!("try {{ return !!({expr}); }} catch (e) {{ return false; }}"), vec![]).await;
        if matches!(value, Ok(Value::Bool(true))) {
            return;
        }
        if started.elapsed() > limit {
            let text = eval(c, "document.body ? document.body.innerText.slice(0, 3000) : ''").await;
            panic!("waited in vain for {expr}; the page shows:\n{}", text.as_str().unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the element as a person would: scrolled to the middle of the screen first (not
/// under the sticky header), then a real click, which fails if anything covers it.
pub async fn click(c: &Client, css: &str) {
    let centre =
        format!("var e = document.querySelector({}); if (e) e.scrollIntoView({{ block: 'center' }});", js(css));
    c.execute(&centre, vec![]).await.unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

/// A JavaScript string literal of `text`.
pub fn js(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// Logs in through the login page.
async fn login(c: &Client, serve: &Serve, role: &str, name: &str, code: &str) {
    login_at(c, &serve.url("/"), role, name, code).await;
}

/// Logs in through the login page at `page` and waits for the role's start page.
pub async fn login_at(c: &Client, page: &str, role: &str, name: &str, code: &str) {
    c.goto(page).await.unwrap();
    until(c, "document.getElementById('login')").await;
    click(c, &format!("input[name=role][value={role}]")).await;
    type_into(c, "#name", name).await;
    type_into(c, "#code", code).await;
    click(c, "#login-submit").await;
    let home = match role {
        "chief" => "/chief",
        "invigilator" => "/invigilator",
        _ => "/examiner",
    };
    until(c, &format!("location.pathname === {} && document.readyState === 'complete'", js(home))).await;
}

async fn logout(c: &Client) {
    click(c, "#logout").await;
    until(c, "document.getElementById('login')").await;
}

/// How one step is scored on the page.
#[derive(Clone, Copy)]
enum Control {
    Full,
    Zero,
    /// Press − this many times (from unscored: max − 1, then one less each time).
    Minus(u32),
    /// Type the points.
    Type(f64),
}

/// The control that reaches `value` on a step of maximum `max`.
fn control(value: f64, max: f64) -> Control {
    let off = max - value;
    if off == 0.0 {
        Control::Full
    } else if value == 0.0 {
        Control::Zero
    } else if off.fract() == 0.0 && off <= 3.0 {
        Control::Minus(off as u32)
    } else {
        Control::Type(value)
    }
}

/// Scores the step on page `index` with `how`.
async fn score_step(c: &Client, index: usize, how: Control) {
    let page = format!("#page-{index}");
    until(c, &format!("!document.querySelector('{page}').hidden")).await;
    match how {
        Control::Full => click(c, &format!("{page} .full")).await,
        Control::Zero => click(c, &format!("{page} .zero")).await,
        Control::Minus(times) => {
            for _ in 0..times {
                click(c, &format!("{page} .minus")).await;
            }
        }
        Control::Type(value) => type_into(c, &format!("{page} input.points"), &value.to_string()).await,
    }
}

/// One examiner's grading as the test plans it.
struct Plan<'a> {
    values: Vec<f64>,
    veto: Option<(&'a str, &'a str)>,
    comment: &'a str,
    rating: &'a str,
}

/// Step values: full marks less `deduct` points, taken from the steps in turn.
fn deducted(steps: &[(String, f64)], deduct: f64) -> Vec<f64> {
    let mut left = deduct;
    steps
        .iter()
        .map(|(_, max)| {
            let take = left.min(*max);
            left -= take;
            max - take
        })
        .collect()
}

/// Opens the candidate's sheet from the stations and queue pages and confirms identity.
async fn open_sheet(c: &Client, exam_no: &str, task: &str, name: &str) {
    click(c, &format!("a.card[data-task={}]", js(task))).await;
    until(c, &format!("document.querySelector('a.card[data-exam-no={}]')", js(exam_no))).await;
    click(c, &format!("a.card[data-exam-no={}]", js(exam_no))).await;
    until(c, "document.getElementById('confirm-yes')").await;
    assert_eq!(text_of(c, "#id-name").await, name);
    assert_eq!(text_of(c, "#id-exam-no").await, exam_no);
    let masked = text_of(c, "#id-number").await;
    assert!(masked.contains("********"), "{masked}");
    click(c, "#confirm-yes").await;
}

/// Grades on the open sheet by `plan`: step by step, leaving the second step for later
/// (the submit refuses and names it), going back to it from the summary, marking the veto
/// (refused without a reason first), then comment, rating and submit.
async fn grade_sheet(c: &Client, steps: &[(String, f64)], plan: &Plan<'_>) {
    let n = steps.len();
    for (i, (value, (_, max))) in plan.values.iter().zip(steps).enumerate() {
        if i != 1 {
            score_step(c, i, control(*value, *max)).await;
        }
        click(c, &format!("#page-{i} .next")).await;
    }
    // The vetoes' page.
    until(c, &format!("!document.getElementById('page-{n}').hidden")).await;
    if let Some((veto, reason)) = plan.veto {
        let item = format!("li.veto[data-veto={}]", js(veto));
        click(c, &format!("{item} .mark")).await;
        until(c, "!document.getElementById('veto-dialog').hidden").await;
        click(c, "#veto-confirm").await;
        until(c, "!document.getElementById('veto-error').hidden").await;
        type_into(c, "#veto-reason", reason).await;
        click(c, "#veto-confirm").await;
        until(c, "document.getElementById('veto-dialog').hidden").await;
        until(c, &format!("document.querySelector('{item}').className.indexOf('marked') >= 0")).await;
        assert!(text_of(c, &format!("{item} .veto-reason")).await.contains(reason));
    }
    click(c, &format!("#page-{n} .next")).await;
    // The last page: submitting with step 2 unscored is refused, naming it.
    until(c, &format!("!document.getElementById('page-{}').hidden", n + 1)).await;
    click(c, "#submit").await;
    until(c, "!document.getElementById('missing').hidden").await;
    let missing = text_of(c, "#missing").await;
    assert!(missing.contains(&steps[1].0) && missing.contains("1 步"), "{missing}");
    // Back to it from the summary, score it, and on to the end again.
    click(c, "#summary button.jump-row[data-go='1']").await;
    score_step(c, 1, control(plan.values[1], steps[1].1)).await;
    click(c, "#jump-finish").await;
    until(c, &format!("!document.getElementById('page-{}').hidden", n + 1)).await;
    let total: f64 = plan.values.iter().sum();
    assert_eq!(text_of(c, "#summary-total").await, fmt(total), "the running total");
    assert_eq!(text_of(c, "#total").await, fmt(total));
    type_into(c, "#comment", plan.comment).await;
    click(c, &format!("input[name=rating][value={}]", js(plan.rating))).await;
    click(c, "#submit").await;
    until(c, "!document.getElementById('submitted').hidden").await;
    until(c, "document.getElementById('sync-state').textContent === '已保存'").await;
    until(c, "document.getElementById('submitted-state').textContent.indexOf('已保存到服务器') >= 0").await;
    assert_eq!(text_of(c, "#submitted-total").await, fmt(total));
}

/// Points as the pages print them: `5`, `2.5`.
pub fn fmt(v: f64) -> String {
    if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v:.1}") }
}

#[test]
fn browser_three_examiners_grade_and_the_chief_arbitrates_on_the_live_board() {
    let Some(driver_path) = chromedriver() else { return };
    let ws = drawn(1);
    let task = tasks(&ws, "E001")[0].clone();
    let other = tasks(&ws, "E001")[1].clone();
    let steps = steps(&ws, &task);
    let vetoes = ws.json(["rubric", "show", &task])["vetoes"].clone();
    let veto = vetoes[0]["id"].as_str().expect("the rubric has a veto").to_owned();
    let examiners = [
        ("甲老师", add(&ws, "甲老师", false)),
        ("乙老师", add(&ws, "乙老师", false)),
        ("丙老师", add(&ws, "丙老师", false)),
    ];
    let chief_code = add(&ws, "赵组长", true);
    let plans = [
        Plan { values: deducted(&steps, 2.0), veto: None, comment: "操作规范", rating: "合格" },
        Plan { values: deducted(&steps, 21.5), veto: None, comment: "多处遗漏", rating: "临界" },
        Plan {
            values: deducted(&steps, 5.0),
            veto: Some((&veto, "<b>未测水温</b>即操作")),
            comment: "",
            rating: "不合格",
        },
    ];
    let totals: Vec<f64> = plans.iter().map(|p| p.values.iter().sum()).collect();
    let serve = Serve::start(&ws, "127.0.0.1:0");
    bounded(async {
        let driver = Driver::start(&driver_path);
        // The chief watches the board from the start; it is never reloaded.
        let chief = browser(&driver, 1024, 768).await;
        login(&chief.client, &serve, "chief", "赵组长", &chief_code).await;
        until(&chief.client, "document.getElementById('board-updated').textContent.indexOf('更新于') === 0").await;
        assert!(text_of(&chief.client, "#board-disputes").await.contains("没有待仲裁"));

        let tablet = browser(&driver, 1024, 768).await;
        let c = &tablet.client;
        for ((name, code), plan) in examiners.iter().zip(&plans) {
            login(c, &serve, "examiner", name, code).await;
            open_sheet(c, "E001", &task, "考生1").await;
            grade_sheet(c, &steps, plan).await;
            // The queue greys the candidate out; the sheet is now the stored entry, read-only.
            c.goto(&serve.url(&format!("/examiner/queue?task={task}"))).await.unwrap();
            until(c, "document.querySelector('a.card.graded[data-exam-no=\"E001\"]')").await;
            click(c, "a.card[data-exam-no=\"E001\"]").await;
            until(c, "document.getElementById('stored')").await;
            assert!(eval(c, "document.querySelectorAll('#stored input, #stored textarea').length").await == json!(0));
            assert!(text_of(c, "#stored").await.contains("不能修改"));
            logout(c).await;
        }
        // The board has it without a reload: the three totals side by side, the veto and its reason.
        let b = &chief.client;
        let card = format!("#board-disputes .dispute[data-exam-no=\"E001\"][data-task={}]", js(&task));
        until(b, &format!("document.querySelector('{card}')")).await;
        let marks: Vec<String> = {
            let raw = eval(b, &format!("Array.prototype.map.call(document.querySelectorAll('{card} .mark-total'), function (e) {{ return e.textContent; }})")).await;
            raw.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
        };
        let mut expected: Vec<String> = totals.iter().map(|t| fmt(*t)).collect();
        let mut shown = marks.clone();
        expected.sort();
        shown.sort();
        assert_eq!(shown, expected, "the three scores side by side");
        assert!(text_of(b, &card).await.contains("超过方案规定的 10 分"));
        shot(b, "board-dispute").await;
        let vetoes_text = text_of(b, "#board-vetoes").await;
        assert!(vetoes_text.contains("丙老师") && vetoes_text.contains("<b>未测水温</b>即操作"), "{vetoes_text}");
        // Arbitration on the page: the median of the three totals.
        let mut sorted = totals.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[1];
        type_into(b, &format!("{card} .resolve-score"), &fmt(median)).await;
        type_into(b, &format!("{card} .resolve-reason"), "取三位考评员的中位数").await;
        click(b, &format!("{card} .resolve-submit")).await;
        until(b, "document.getElementById('board-disputes').textContent.indexOf('没有待仲裁') >= 0").await;
        shot(b, "board-resolved").await;
        until(b, "document.querySelector('#board-progress tr.resolved[data-exam-no=\"E001\"]')").await;
        chief.client.clone().close().await.unwrap();
        tablet.client.clone().close().await.unwrap();
    });
    // The other task from a file, so the practical is complete; then the results.
    let rows: String = [("甲老师", 90.0), ("乙老师", 85.0), ("丙老师", 88.0)]
        .iter()
        .map(|(name, total)| entry_rows(&ws, "E001", &other, name, *total, &[]))
        .collect();
    ws.write("g.csv", format!("{HEADER}{rows}"));
    ws.ok(["grade", "import", "--session", SESSION, "g.csv"]);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let other_score = round((90.0 + 85.0 + 88.0) / 3.0);
    let practical = round(50.0 * median_of(&totals) / 100.0 + 50.0 * other_score / 100.0);
    let results = ws.json(["results", "--session", SESSION]);
    let candidate = &results["candidates"][0];
    assert_eq!(candidate["exam_no"], "E001");
    assert_eq!(candidate["practical"].as_f64(), Some(practical), "{candidate}");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries WHERE client_id IS NOT NULL"), 3);
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_resolutions WHERE examiner = '赵组长'"), 1);
    let stored: String = {
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.query_row("SELECT veto_reasons FROM grade_entries WHERE examiner = '丙老师'", [], |r| r.get(0)).unwrap()
    };
    assert!(stored.contains("<b>未测水温</b>即操作"), "{stored}");
    drop(serve);
}

fn median_of(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Saves a screenshot as `NAME.png` in the folder `CERTIFY_SCREENSHOTS` names, if it names
/// one (to look at the pages after a change; the tests do not need it).
pub async fn shot(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("CERTIFY_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// What in the page is off screen, too small to touch, or covered, and whether the page
/// scrolls sideways; empty when all is well. With a dialog open, only its controls count
/// (the rest is meant to be covered). A radio button or check box is touched through its
/// label (label.choice), which is checked instead.
const LAYOUT_CHECK: &str = r#"
var width = document.documentElement.clientWidth, problems = [];
if (document.documentElement.scrollWidth > width) problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
var modal = document.querySelector('.modal:not([hidden])');
var controls = (modal || document).querySelectorAll('button, a, input, textarea, label.choice');
for (var i = 0; i < controls.length; i++) {
  var e = controls[i];
  if (e.type === 'radio' || e.type === 'checkbox') continue;
  var r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  var name = e.tagName + (e.id ? '#' + e.id : '') + ' "' + (e.textContent || e.value || '').slice(0, 20) + '"';
  if (r.left < -0.5 || r.right > width + 0.5) problems.push(name + ' is outside the screen: ' + r.left + '..' + r.right);
  if (r.height < 44) problems.push(name + ' is too small to touch: ' + r.height + ' px high');
  e.scrollIntoView({ block: 'center' });
  r = e.getBoundingClientRect();
  var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  if (!hit || (hit !== e && !e.contains(hit) && !(hit.contains && hit.contains(e) && e.tagName === 'INPUT' && hit.tagName === 'LABEL'))) problems.push(name + ' is covered by ' + (hit ? hit.tagName + '.' + hit.className : 'nothing'));
}
window.scrollTo(0, 0);
return problems;
"#;

pub async fn layout_problems(c: &Client, what: &str) -> Vec<String> {
    let width = eval(c, "document.documentElement.clientWidth").await;
    shot(c, &format!("{width}-{}", what.replace(' ', "-"))).await;
    let found = c.execute(LAYOUT_CHECK, vec![]).await.unwrap();
    found.as_array().unwrap().iter().map(|p| format!("{what}: {}", p.as_str().unwrap())).collect()
}

#[test]
fn browser_the_examiner_pages_fit_a_phone_and_a_tablet() {
    let Some(driver_path) = chromedriver() else { return };
    let ws = drawn(2);
    let task = tasks(&ws, "E001")[0].clone();
    let steps = steps(&ws, &task);
    let code = add(&ws, "张老师", false);
    let serve = Serve::start(&ws, "127.0.0.1:0");
    bounded(async {
        let driver = Driver::start(&driver_path);
        for (width, height) in [(360, 740), (1024, 768)] {
            let b = browser(&driver, width, height).await;
            let c = &b.client;
            c.goto(&serve.url("/")).await.unwrap();
            until(c, "document.getElementById('login')").await;
            assert_eq!(eval(c, "document.documentElement.clientWidth").await, json!(width), "the viewport");
            let mut problems = layout_problems(c, "login").await;
            login(c, &serve, "examiner", "张老师", &code).await;
            problems.extend(layout_problems(c, "stations").await);
            click(c, &format!("a.card[data-task={}]", js(&task))).await;
            until(c, "document.querySelector('a.card[data-exam-no=\"E001\"]')").await;
            problems.extend(layout_problems(c, "queue").await);
            click(c, "a.card[data-exam-no=\"E001\"]").await;
            until(c, "document.getElementById('confirm-yes')").await;
            problems.extend(layout_problems(c, "identity").await);
            click(c, "#confirm-yes").await;
            until(c, "!document.getElementById('page-0').hidden").await;
            problems.extend(layout_problems(c, "step 1").await);
            // The controls work at this width: −, +, typing beyond the maximum is refused.
            let max = steps[0].1;
            click(c, "#page-0 .minus").await;
            click(c, "#page-0 .minus").await;
            click(c, "#page-0 .plus").await;
            assert_eq!(text_of(c, "#total").await, fmt(max - 1.0));
            type_into(c, "#page-0 input.points", &fmt(max + 1.0)).await;
            until(c, "!document.querySelector('#page-0 .step-error').hidden").await;
            assert_eq!(text_of(c, "#done-count").await, "0");
            problems.extend(layout_problems(c, "step 1 with an error").await);
            type_into(c, "#page-0 input.points", &fmt(max)).await;
            assert_eq!(text_of(c, "#done-count").await, "1");
            click(c, "#jump-vetoes").await;
            problems.extend(layout_problems(c, "vetoes").await);
            click(c, "li.veto .mark").await;
            until(c, "!document.getElementById('veto-dialog').hidden").await;
            problems.extend(layout_problems(c, "veto dialog").await);
            click(c, "#veto-cancel").await;
            click(c, "#jump-finish").await;
            problems.extend(layout_problems(c, "finish").await);
            // Keyboard: Enter in a step's points goes to the next step.
            click(c, "#jump-0").await;
            let field = c.find(Locator::Css("#page-0 input.points")).await.unwrap();
            field.send_keys(&char::from(fantoccini::key::Key::Enter).to_string()).await.unwrap();
            until(c, "!document.getElementById('page-1').hidden").await;
            assert!(problems.is_empty(), "at {width} px:\n{}", problems.join("\n"));
            b.client.clone().close().await.unwrap();
        }
    });
    drop(serve);
}

#[test]
fn browser_a_grade_submitted_while_the_server_is_down_is_sent_when_it_returns_and_stored_once() {
    let Some(driver_path) = chromedriver() else { return };
    let ws = drawn(1);
    let task = tasks(&ws, "E001")[0].clone();
    let steps = steps(&ws, &task);
    let code = add(&ws, "张老师", false);
    let mut serve = Serve::start(&ws, "127.0.0.1:0");
    let address = serve.address.clone();
    let total: f64 = steps.iter().map(|(_, max)| max).sum();
    bounded(async {
        let driver = Driver::start(&driver_path);
        let b = browser(&driver, 1024, 768).await;
        let c = &b.client;
        login(c, &serve, "examiner", "张老师", &code).await;
        open_sheet(c, "E001", &task, "考生1").await;
        for i in 0..steps.len() {
            score_step(c, i, Control::Full).await;
            click(c, &format!("#page-{i} .next")).await;
        }
        click(c, &format!("#page-{} .next", steps.len())).await;
        // The Wi-Fi drops: the server is gone when the examiner submits.
        serve.stop();
        click(c, "#submit").await;
        until(c, "document.getElementById('sync-state').textContent === '未同步 (1)'").await;
        until(c, "!document.getElementById('submitted').hidden").await;
        assert!(text_of(c, "#submitted-state").await.contains("已存入本机"));
        let kept = eval(c, "JSON.parse(localStorage.getItem('certify-outbox-v1')).length").await;
        assert_eq!(kept, json!(1), "the grade waits in the browser's storage");
        assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 0);
        // Some retries fail meanwhile; the page still says what it holds.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(text_of(c, "#sync-state").await, "未同步 (1)");
        // The server is back on the same address: the page resends by itself.
        let back = Serve::start(&ws, &address);
        assert_eq!(back.address, address);
        until(c, "document.getElementById('sync-state').textContent === '已保存'").await;
        until(c, "document.getElementById('submitted-state').textContent.indexOf('已保存到服务器') >= 0").await;
        assert_eq!(eval(c, "JSON.parse(localStorage.getItem('certify-outbox-v1')).length").await, json!(0));
        // Reloaded, the sheet is the stored entry.
        c.refresh().await.unwrap();
        until(c, "document.getElementById('stored')").await;
        assert_eq!(text_of(c, "#stored-total").await, fmt(total));
        b.client.clone().close().await.unwrap();
        drop(back);
    });
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 1, "stored exactly once");
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM web_log WHERE action = 'grade'"), 1);
    let status = ws.json(["grade", "status", "--session", SESSION]);
    let entry = &status["candidates"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == task.as_str())
        .unwrap()["examiners"];
    assert_eq!(entry, &json!([{ "examiner": "张老师", "total": total, "vetoes": [] }]));
}

#[test]
fn browser_a_submitted_entry_is_corrected_with_a_reason() {
    let Some(driver_path) = chromedriver() else { return };
    let ws = drawn(1);
    let task = tasks(&ws, "E001")[0].clone();
    let steps = steps(&ws, &task);
    let code = add(&ws, "张老师", false);
    let serve = Serve::start(&ws, "127.0.0.1:0");
    let total: f64 = steps.iter().map(|(_, max)| max).sum();
    let corrected = total - steps[0].1;
    bounded(async {
        let driver = Driver::start(&driver_path);
        let b = browser(&driver, 1024, 768).await;
        let c = &b.client;
        login(c, &serve, "examiner", "张老师", &code).await;
        open_sheet(c, "E001", &task, "考生1").await;
        for i in 0..steps.len() {
            score_step(c, i, Control::Full).await;
            click(c, &format!("#page-{i} .next")).await;
        }
        click(c, &format!("#page-{} .next", steps.len())).await;
        type_into(c, "#comment", "操作规范").await;
        click(c, "input[name=rating][value='合格']").await;
        click(c, "#submit").await;
        until(c, "document.getElementById('submitted-state').textContent.indexOf('已保存到服务器') >= 0").await;
        // Opened again, the entry is read-only, with 更正; that opens the sheet filled with it.
        c.goto(&serve.url(&format!("/examiner/sheet?exam_no=E001&task={task}"))).await.unwrap();
        until(c, "document.getElementById('stored') && document.readyState === 'complete'").await;
        click(c, "#correct").await;
        until(c, "!document.getElementById('page-0').hidden").await;
        assert_eq!(text_of(c, "#total").await, fmt(total), "the stored scores");
        assert_eq!(text_of(c, "#done-count").await, steps.len().to_string());
        score_step(c, 0, Control::Zero).await;
        click(c, "#jump-finish").await;
        until(c, &format!("!document.getElementById('page-{}').hidden", steps.len() + 1)).await;
        assert_eq!(eval(c, "document.getElementById('comment').value").await, json!("操作规范"));
        assert_eq!(eval(c, "document.querySelector('input[name=rating]:checked').value").await, json!("合格"));
        // Without a reason the page refuses it and sends nothing.
        click(c, "#submit").await;
        until(c, "!document.getElementById('correction-error').hidden").await;
        assert!(text_of(c, "#correction-error").await.contains("更正理由"));
        assert!(eval(c, "document.getElementById('submitted').hidden").await == json!(true));
        assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 1);
        type_into(c, "#correction-reason", "第一步未做，看错了").await;
        click(c, "#submit").await;
        until(c, "!document.getElementById('submitted').hidden").await;
        until(c, "document.getElementById('sync-state').textContent === '已保存'").await;
        until(c, "document.getElementById('submitted-state').textContent.indexOf('已保存到服务器') >= 0").await;
        assert_eq!(text_of(c, "#submitted-total").await, fmt(corrected));
        assert!(text_of(c, "#submitted-correction").await.contains("第一步未做，看错了"));
        // Reloaded: the correction is the entry in force, with its reason.
        c.refresh().await.unwrap();
        until(c, "document.getElementById('stored')").await;
        assert_eq!(text_of(c, "#stored-total").await, fmt(corrected));
        assert_eq!(text_of(c, "#stored-correction").await, "第一步未做，看错了");
        b.client.clone().close().await.unwrap();
    });
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM grade_entries"), 2, "the first entry kept");
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM grade_entries WHERE current = 1 AND correction_reason = '第一步未做，看错了'"),
        1
    );
    drop(serve);
}
