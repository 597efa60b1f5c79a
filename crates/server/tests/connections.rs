//! Connection hygiene against a real server on 127.0.0.1: thousands of half-sent requests from
//! many addresses do not stop healthz or a kiosk frame from being answered, and are dropped after
//! the header timeout; one address cannot hold more than its share of connections.

use std::net::SocketAddr;
use std::time::Duration;

use rollcall_testkit::{camera_frame, captured, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The soft limit on open files of this process.
fn open_file_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

/// A connection from `from` that sends half a request header and then nothing.
async fn half_open(from: [u8; 4], to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((from, 0)))?;
    let mut stream = socket.connect(to).await?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: hall\r\nX-Slow: ")
        .await?;
    Ok(stream)
}

/// True when the server has closed the connection (read ends or fails) within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {} // a 408 may come first; the close follows
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn thousands_of_half_open_connections_do_not_stop_healthz_or_a_kiosk() {
    // Each connection costs this process two descriptors (both ends are here).
    let wanted = 3000;
    let n = wanted.min(open_file_limit().saturating_sub(1000) / 2);
    if n < 500 {
        rollcall_testkit::skip(&format!("the open-file limit allows only {n} connections"));
        return;
    }
    let srv = TestServer::sqlite(|c| {
        c.header_timeout_ms = 3000;
        c.workers = Some(1);
    })
    .await;
    srv.open_sitting(1, 2, "more_than").await;
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().unwrap();

    // From 12 addresses of the loopback network, under the per-client cap each.
    let mut idle = Vec::with_capacity(n);
    for i in 0..n {
        let from = [127, 0, 0, 2 + (i % 12) as u8];
        idle.push(half_open(from, addr).await.expect("connects"));
    }
    let health = srv.client.get(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let (s, v) = srv
        .frame("among-idlers", &captured(0), camera_frame("biden.jpg", 1.0))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["faces"].is_array(), "{v}");

    // After the header timeout every one of them has been dropped by the server.
    let mut still_open = 0;
    for s in &mut idle {
        if !closed_within(s, Duration::from_secs(10)).await {
            still_open += 1;
        }
    }
    assert_eq!(still_open, 0, "of {n} half-sent requests");
    drop(idle);
    srv.stop().await;
}

#[tokio::test]
async fn one_address_cannot_take_more_than_its_share() {
    let srv = TestServer::sqlite(|c| {
        c.max_connections_per_client = 20;
        c.header_timeout_ms = 30_000;
    })
    .await;
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().unwrap();
    let mut held = Vec::new();
    for _ in 0..30 {
        held.push(half_open([127, 0, 0, 50], addr).await.expect("connects"));
    }
    // The first 20 are held; the 10 beyond the share are closed at once.
    let mut closed = 0;
    for s in &mut held {
        if closed_within(s, Duration::from_millis(300)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 10);
    // Others are served meanwhile (the test client connects from 127.0.0.1).
    let health = srv.client.get(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    drop(held);
    srv.stop().await;
}

/// A kiosk frame whose header announces a 100 KB JPEG, of which only the first two bytes follow.
async fn frame_head_only(srv: &TestServer, frame_id: &str) -> TcpStream {
    let addr: SocketAddr = srv.base.trim_start_matches("http://").parse().unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/kiosk/frames?kiosk_frame_id={frame_id}&captured_at={} HTTP/1.1\r\n\
         Host: hall\r\nAuthorization: Bearer {}\r\nContent-Type: image/jpeg\r\n\
         Content-Length: 100000\r\n\r\n",
        captured(0),
        srv.tokens["kiosk"]
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[0xFF, 0xD8]).await.unwrap();
    stream
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_ends_in_408_and_frees_the_connection() {
    let srv = TestServer::sqlite(|c| c.request_timeout_ms = 1000).await;
    srv.open_sitting(1, 2, "more_than").await;
    let mut stream = frame_head_only(&srv, "slow").await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server ended the request");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408") && answer.contains("request_timeout"),
        "{answer}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_full_pool_refuses_a_frame_before_its_upload_is_read() {
    // The request timeout is far longer than the test waits: a 503 can only come before the body.
    let srv = TestServer::sqlite(|c| {
        c.request_timeout_ms = 120_000;
        c.workers = Some(1);
        c.queue = 1;
    })
    .await;
    srv.open_sitting(1, 2, "more_than").await;
    let mut held = Vec::new();
    while let Ok(slot) = srv.state.inference.reserve() {
        held.push(slot);
    }
    assert_eq!(held.len(), 2, "one worker and one queue place");
    let mut stream = frame_head_only(&srv, "full").await;
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf))
        .await
        .expect("answered without the rest of the upload")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    drop(stream);

    // Nothing was recorded for the refused frame: once a place is free, the same id is served.
    drop(held);
    let (status, body) = srv
        .frame("full", &captured(0), camera_frame("obama.jpg", 1.0))
        .await;
    assert_eq!(status, 200, "{body}");
    srv.stop().await;
}
