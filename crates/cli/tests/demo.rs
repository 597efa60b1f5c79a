//! `rollcall demo` end to end, as `make demo` runs it: it must finish by itself, check the enrolled
//! delegate in from the replayed walk-by, turn the unknown visitor away, and reach quorum.

#[test]
fn the_demo_runs_to_quorum_and_ends_by_itself() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("demo")
        .output()
        .expect("run rollcall demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("kiosk | Welcome, Barack Obama (North)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Not recognised: please see the registration desk"),
        "{stdout}"
    );
    assert!(
        stdout.contains("checked in by the kiosk: Barack Obama (North)\n"),
        "only the enrolled delegate: {stdout}"
    );
    assert!(stdout.contains("duplicate_of"), "{stdout}");
    assert!(
        stdout.contains("kiosk | Please see the registration desk\n"),
        "the printed photo is turned away: {stdout}"
    );
    assert!(
        stdout.contains("2 of 4 eligible present; quorum needs 2: QUORUM REACHED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("roll call 1: 2 of 4 eligible present")
            && stdout.contains("quorum REACHED; signed by key")
            && stdout.contains("one byte changed: INVALID"),
        "the roll call: {stdout}"
    );
    assert!(
        stdout.contains("presidium dashboard  http://127.0.0.1:"),
        "the dashboard's address: {stdout}"
    );
}
