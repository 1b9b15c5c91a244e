//! Imported logs by project, session and source, from the binary: `report
//! --by project|session|source`, `--project`, `--session` and `--source`
//! filters and `export --by project`, each equal to the totals of the
//! fixture's calls of that project, session or source.

use super::*;

/// The fixture's calls all lie in 1-3 March: "this month" holds them all.
const MARCH: &str = "2026-03-05T00:00:00Z";

fn run_json(sandbox: &Sandbox, db: &Path, extra: &[&str]) -> Value {
    let url = url_of(db);
    let mut args = vec![
        "report",
        "--database-url",
        &url,
        "--format",
        "json",
        "--tz",
        "UTC",
        "--now",
        MARCH,
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&sandbox.ok(&args)).unwrap()
}

fn totals_of(value: &Value) -> Totals {
    let int = |key: &str| value[key].as_i64().unwrap();
    Totals {
        requests: int("requests"),
        input: int("input_tokens"),
        output: int("output_tokens"),
        read: int("cache_read_tokens"),
        write: int("cache_write_tokens"),
        write_1h: int("cache_write_1h_tokens"),
        cost: value["cost"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap()
            .normalize(),
    }
}

/// The breakdown of this month: name -> totals.
fn by(sandbox: &Sandbox, db: &Path, dimension: &str) -> BTreeMap<String, Totals> {
    let json = run_json(sandbox, db, &["--by", dimension]);
    assert_eq!(json["breakdown"]["dimension"], dimension);
    json["breakdown"]["this_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["name"].as_str().unwrap().to_owned(), totals_of(row)))
        .collect()
}

#[test]
fn imported_projects_sessions_and_sources_are_dimensions() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let fixture = claude_fixture(&sandbox);
    import(&sandbox, &db, "claude-code", &[&fixture.root]);
    let [a, b, side, mirrored, copied_later] = <[Call; 5]>::try_from(fixture.calls).unwrap();
    // msg_A is also in the resumed billing session: the file read first
    // (acme-api, in path order) keeps it, once.
    let acme = vec![a.clone(), b.clone(), side.clone(), mirrored.clone()];
    let billing = vec![copied_later.clone()];

    let projects = by(&sandbox, &db, "project");
    assert_eq!(
        projects.keys().collect::<Vec<_>>(),
        ["-Users-dev-code-acme-api", "-Users-dev-code-billing"]
    );
    assert_eq!(projects["-Users-dev-code-acme-api"], expected(&acme));
    assert_eq!(projects["-Users-dev-code-billing"], expected(&billing));

    let sessions = by(&sandbox, &db, "session");
    assert_eq!(sessions["2ff46cd5"], expected(&acme));
    assert_eq!(sessions["9c1e"], expected(&billing));
    let sources = by(&sandbox, &db, "source");
    let everything: Vec<Call> = acme.iter().chain(&billing).cloned().collect();
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(sources["claude-code"], expected(&everything));

    // Filters: glob patterns, `!` to leave out, combined with --model.
    let json = run_json(&sandbox, &db, &["--project", "*billing"]);
    assert_eq!(totals_of(&json["summary"]["all_time"]), expected(&billing));
    assert_eq!(json["filter"]["projects"], json!(["*billing"]));
    let json = run_json(
        &sandbox,
        &db,
        &["--project", "!*billing", "--model", "claude-haiku*"],
    );
    assert_eq!(
        totals_of(&json["summary"]["all_time"]),
        expected(&[side, mirrored])
    );
    let json = run_json(
        &sandbox,
        &db,
        &["--session", "9c1?", "--source", "claude-code"],
    );
    assert_eq!(totals_of(&json["summary"]["all_time"]), expected(&billing));
    let json = run_json(&sandbox, &db, &["--source", "codex"]);
    assert_eq!(json["summary"]["all_time"]["requests"], 0);

    // export --by project: one row per day and project.
    let csv = sandbox.ok(&[
        "export",
        "--database-url",
        &url_of(&db),
        "--by",
        "project",
        "--view",
        "daily",
        "--tz",
        "UTC",
        "--now",
        MARCH,
    ]);
    let header = csv.lines().next().unwrap();
    assert!(header.contains("project"), "{header}");
    let billing_rows: Vec<&str> = csv
        .lines()
        .filter(|line| line.contains("-Users-dev-code-billing"))
        .collect();
    assert_eq!(billing_rows.len(), 1, "{csv}");
    assert!(billing_rows[0].starts_with("2026-03-03"), "{csv}");

    // The text report names the dimension.
    let output = sandbox
        .command()
        .args([
            "report",
            "--database-url",
            &url_of(&db),
            "--by",
            "project",
            "--tz",
            "UTC",
            "--now",
            MARCH,
        ])
        .env("COLUMNS", "120")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("By project · this month"), "{text}");
    assert!(text.contains("-Users-dev-code-billing"), "{text}");
}

#[test]
fn a_layout_without_the_columns_names_the_key_to_set() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("calls.db");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        sqlx::raw_sql(
            "CREATE TABLE usage_events (ts INTEGER, model TEXT, input_tokens INTEGER, output_tokens INTEGER); \
             INSERT INTO usage_events VALUES (1772500000, 'gpt-5', 10, 20);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    });
    let url = url_of(&db);
    let output = sandbox.run(&["report", "--database-url", &url, "--project", "acme"]);
    assert_clean_failure(&output, &["filtering by project", "[source] project"]);
    let output = sandbox.run(&["report", "--database-url", &url, "--by", "source"]);
    assert_clean_failure(&output, &["by source", "[source] source"]);
}
