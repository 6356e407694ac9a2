//! Runs a session of the `chat` example (examples/chat.rs) through its `run` function:
//! every command opens the user's client from SQLite again, as a new process would.

#[allow(dead_code)]
#[path = "../examples/chat.rs"]
mod chat;

#[test]
fn a_chat_session_survives_between_invocations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let run = |args: &[&str]| chat::run(dir, args).unwrap();
    assert_eq!(
        run(&["init", "alice"]),
        ["alice: created, 3 KeyPackages published"]
    );
    run(&["init", "bob"]);
    run(&["init", "carol"]);
    assert_eq!(
        run(&["add", "alice", "bob"]),
        ["alice: now at epoch 1", "alice: bob joined"]
    );
    run(&["send", "alice", "hi bob"]);
    assert_eq!(
        run(&["read", "bob"]),
        ["bob: joined the chat at epoch 1", "bob: <alice> hi bob"]
    );
    // Nothing new: nothing shown, nothing refused loudly.
    assert!(run(&["read", "bob"]).is_empty());
    run(&["send", "bob", "hello alice"]);
    run(&["add", "bob", "carol"]);
    assert_eq!(
        run(&["read", "alice"]),
        ["alice: <bob> hello alice", "alice: carol joined"]
    );
    run(&["send", "carol", "hi all"]);
    assert_eq!(run(&["read", "bob"]), ["bob: <carol> hi all"]);
    assert_eq!(
        run(&["remove", "alice", "bob"]),
        [
            "alice: <carol> hi all",
            "alice: now at epoch 3",
            "alice: bob left"
        ]
    );
    assert_eq!(
        run(&["read", "bob"]),
        ["bob: you were removed from the chat"]
    );
    assert_eq!(run(&["read", "carol"]), ["carol: bob left"]);
    assert!(chat::run(dir, &["init", "alice"]).is_err());
    assert!(chat::run(dir, &["read", "dave"]).is_err());
    assert!(chat::run(dir, &["add", "alice", "dave"]).is_err());
}
