//! `certify serve --session ID [--listen ADDR]`: starts the exam site's server (see
//! [`crate::server`]) and tells the office where the tablets find it.
//!
//! Guarantees: the first line on stdout contains `http://HOST:PORT` with the port really
//! bound (so `--listen 127.0.0.1:0` can be used by scripts); listening on every network
//! (0.0.0.0, the default) it also lists this computer's network addresses and prints a
//! QR code of the first for the tablets' cameras. A second server for the same session
//! is refused, naming the one that runs.

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener};

use super::Context;
use super::session::find_session;
use crate::cli::ServeArgs;
use crate::error::Error;
use crate::server::{self, AppState};

/// Connections the system queues for the server before it accepts them.
const LISTEN_BACKLOG: i32 = 1024;

pub fn run(context: &Context, args: &ServeArgs) -> Result<(), Error> {
    let listen: SocketAddr = args.listen.trim().parse().map_err(|_| {
        Error::user(format!(
            "--listen「{}」不是地址和端口；请写成 0.0.0.0:8080（本机所有网络）或 127.0.0.1:8080（只给本机）",
            args.listen
        ))
    })?;
    let exam_start = args.exam_start.as_deref().map(start_today).transpose()?;
    let mut db = context.existing()?;
    let session = find_session(&db, &args.session)?;
    let listener = match TcpListener::bind(listen) {
        Ok(listener) => listener,
        // The port may be taken by this session's server: say so rather than name the port.
        Err(e) => {
            server::refuse_if_running(&db, &session.id)?;
            return Err(bind_error(listen, &e));
        }
    };
    // 300 candidates' browsers connect in the same second when a room logs in; the default
    // queue of 128 pending connections would make the rest wait for their retry (a second).
    socket2::SockRef::from(&listener).listen(LISTEN_BACKLOG)?;
    let taken = server::take_lock(&mut db, &session.id, &listener.local_addr()?.to_string())?;
    drop(db);
    let bound = listener.local_addr()?;
    announce(&session.id, bound)?;
    if let (seconds, candidates @ 1..) = taken.given_back {
        crate::output::note(format!(
            "考场服务停止了 {seconds} 秒：这段时间已补还给正在机考的 {candidates} 名考生（剩余时间不因服务停止而减少）"
        ));
    }
    let state = AppState::new(context.db_path.clone(), session.id.clone()).with_exam_start(exam_start);
    server::run(state, listener, taken.token)
}

/// The Unix time of `text` (`HH:MM`) today, in this computer's time zone.
fn start_today(text: &str) -> Result<i64, Error> {
    let refused = || Error::user(format!("--exam-start「{text}」不是时刻；请写成 HH:MM，例如 09:00"));
    let time: jiff::civil::Time = format!("{}:00", text.trim()).parse().map_err(|_| refused())?;
    let today = jiff::Zoned::now().date();
    let at = today.to_datetime(time).to_zoned(jiff::tz::TimeZone::system()).map_err(|_| refused())?;
    Ok(at.timestamp().as_second())
}

fn bind_error(listen: SocketAddr, e: &std::io::Error) -> Error {
    use std::io::ErrorKind::*;
    let next = SocketAddr::new(listen.ip(), listen.port().wrapping_add(1).max(1024));
    Error::user(match e.kind() {
        AddrInUse => format!(
            "端口 {} 已被占用（可能已有一个 certify serve 或别的程序在用）；请用 --listen {next} 换一个端口",
            listen.port()
        ),
        PermissionDenied => {
            format!("没有权限使用端口 {}（1024 以下的端口需要管理员权限）；请用 --listen {next}", listen.port())
        }
        AddrNotAvailable => format!("本机没有地址 {}；请用 --listen 0.0.0.0:{}", listen.ip(), listen.port()),
        _ => format!("无法在 {listen} 启动服务：{}", crate::error::io_kind_text(e.kind()).unwrap_or("系统拒绝了")),
    })
}

fn url(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
    }
}

/// Prints where the server is: the address first (one line, for scripts), then for the
/// tablets the network addresses and a QR code.
fn announce(session: &str, bound: SocketAddr) -> Result<(), Error> {
    let port = bound.port();
    let everywhere = bound.ip().is_unspecified();
    // The addresses printed are among those the server answers to (server::host).
    let networks = if everywhere { server::host::network_addresses() } else { Vec::new() };
    let main = match networks.first() {
        Some(&ip) => ip,
        None if everywhere => IpAddr::from([127, 0, 0, 1]),
        None => bound.ip(),
    };
    let address = url(main, port);
    let mut out = std::io::stdout().lock();
    writeln!(out, "考场服务已启动：{address}（批次 {session}）")?;
    if everywhere {
        if networks.len() > 1 {
            let all: Vec<String> = networks.iter().map(|&ip| url(ip, port)).collect();
            writeln!(out, "本机的网络地址：{}", all.join("、"))?;
        } else if networks.is_empty() {
            writeln!(out, "本机没有连上网络，平板无法访问；连上考场 Wi-Fi 后重新运行。本机可用 {address}")?;
        }
        writeln!(out, "本机也可以用 {}", url(IpAddr::from([127, 0, 0, 1]), port))?;
    }
    if !main.is_loopback() {
        writeln!(out, "平板连上同一个 Wi-Fi 后，在浏览器打开上面的地址，或用相机扫描下面的二维码：")?;
        if let Ok(code) = qrcode::QrCode::new(address.as_bytes()) {
            // Light modules drawn as blocks: the code reads on the usual dark terminal.
            let picture = code
                .render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .quiet_zone(true)
                .build();
            writeln!(out, "{picture}")?;
        }
    }
    writeln!(out, "考评员、考评组长、监考员打开 {address} 登录；机考考生打开 {address}/exam 登录。")?;
    writeln!(out, "按 Ctrl-C 停止服务（正在处理的请求会先完成）。每个请求在下面记一行。")?;
    out.flush()?;
    Ok(())
}
