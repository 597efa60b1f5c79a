use rollcall_testkit::TestServer;

#[tokio::test]
async fn serves_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let srv = TestServer::sqlite(|c| {
        c.tls_cert = Some(cert.clone());
        c.tls_key = Some(key.clone());
    })
    .await;
    let port = srv.base.rsplit(':').next().unwrap().to_string();
    let root = reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .build()
        .unwrap();
    let r = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("https://localhost:{port}/api/v1/delegates"))
        .bearer_auth(&srv.tokens["staff"])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Plain HTTP on the TLS port gets no answer it could mistake for the API.
    assert!(reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .map_or(true, |r| r.status() != 200));
    srv.stop().await;
}

#[tokio::test]
async fn a_bad_certificate_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, "not a certificate").unwrap();
    std::fs::write(&key, "not a key").unwrap();
    let Err(err) = rollcall_server::tls::acceptor(&cert, &key) else {
        panic!("a text file was accepted as a certificate")
    };
    assert!(err.to_string().contains("cert.pem"), "{err}");
}
