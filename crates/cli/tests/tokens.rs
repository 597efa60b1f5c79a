//! `rollcall token create | list | revoke` on a SQLite file: the secret is printed once, the list
//! shows the token without it, and a revoked token is shown so and refused by the store.

use std::process::Command;

use rollcall_store::Store;

fn rollcall(config: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rollcall {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = rollcall_testkit::config_file(dir.path());
    let secret = rollcall(
        &config,
        &[
            "token",
            "create",
            "--role",
            "kiosk",
            "--name",
            "door C",
            "--expires-in-days",
            "2",
        ],
    );
    let secret = secret.trim().lines().last().unwrap().to_string();
    assert!(secret.starts_with("rc_"), "{secret}");

    let list = rollcall(&config, &["token", "list"]);
    assert!(!list.contains(&secret), "the list shows no secret");
    let row = list.lines().find(|l| l.ends_with("door C")).expect(&list);
    let id: i64 = row.split('\t').next().unwrap().parse().unwrap();
    assert!(row.contains("\tkiosk\tactive\t"), "{row}");

    assert!(rollcall(&config, &["token", "revoke", &id.to_string()]).contains("revoked"));
    let list = rollcall(&config, &["token", "list"]);
    assert!(list.contains("\tkiosk\trevoked\t"), "{list}");

    let url = format!("sqlite://{}", dir.path().join("rollcall.db").display());
    let store = Store::connect(&url).await.unwrap();
    let hash = rollcall_server::hash_token(&secret);
    assert_eq!(store.token_by_hash(&hash).await.unwrap(), None);

    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["token", "revoke", "424242", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token with id 424242"));
}
