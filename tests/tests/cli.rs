//! The command-line contract: exit status 2 with one line naming the
//! problem for bad config, unreachable brokers and bad input; `lede parse`
//! and `lede tail` output.

use std::time::Duration;

use lede_tests::{brokers, run_lede, spawn_lede, temp_dir, wait_for_exit};

fn write(name: &str, file: &str, text: &str) -> String {
    let path = temp_dir(name).join(file);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path.display().to_string()
}

fn assert_one_line_error(stderr: &str, fragment: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].contains(fragment), "{:?} does not mention {fragment:?}", lines[0]);
}

#[test]
fn bad_config_exits_2_with_one_line() {
    let path = write("badconfig", "lede.toml", "[kafka]\nbrokers = \"x\"\nbogus = 1\n");
    let (status, _, stderr) = run_lede(&["run", "-c", &path], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, "unknown field `bogus`");
    assert!(stderr.contains(&path));
}

#[test]
fn missing_config_file_exits_2() {
    let (status, _, stderr) =
        run_lede(&["check", "-c", "/nonexistent/lede.toml"], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2));
    assert_one_line_error(&stderr, "/nonexistent/lede.toml");
}

#[test]
fn unreachable_broker_exits_2_with_one_line() {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    let path = write(
        "nobroker",
        "lede.toml",
        "[kafka]\nbrokers = \"127.0.0.1:1\"\nrequest_timeout = \"2s\"\n[admin]\ndisabled = true\n\
         [[feeds]]\nid = \"a\"\nurl = \"http://127.0.0.1:1/feed\"\n",
    );
    let (status, _, stderr) = run_lede(&["run", "-c", &path], Duration::from_secs(30));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, "cannot reach Kafka at 127.0.0.1:1");
}

#[test]
fn run_without_feeds_exits_2() {
    let path = write("nofeeds", "lede.toml", &format!("[kafka]\nbrokers = \"{}\"\n", brokers()));
    let (status, _, stderr) = run_lede(&["run", "-c", &path], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2));
    assert_one_line_error(&stderr, "no feeds configured");
}

#[test]
fn unusable_story_store_dir_exits_2_with_one_line() {
    let path = write(
        "nostoredir",
        "lede.toml",
        &format!(
            "[kafka]\nbrokers = \"{}\"\n[story]\nstore_dir = \"/nonexistent/lede\"\n\
             [[feeds]]\nid = \"a\"\nurl = \"http://127.0.0.1:1/feed\"\n",
            brokers()
        ),
    );
    let (status, _, stderr) = run_lede(&["run", "-c", &path], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, "cannot create the story store in /nonexistent/lede");
}

#[test]
fn parse_prints_one_json_article_per_entry() {
    let path = write(
        "parse",
        "feed.xml",
        "<rss version=\"2.0\"><channel><title>T</title>\
         <item><guid>1</guid><title>One</title><description>&lt;p&gt;a&lt;/p&gt;&lt;p&gt;b&lt;/p&gt;</description></item>\
         <item><guid>2</guid><title>Two</title></item></channel></rss>",
    );
    let (status, stdout, stderr) = run_lede(&["parse", &path], Duration::from_secs(20));
    assert!(status.success(), "{stderr}");
    let articles: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(articles.len(), 2);
    assert_eq!(articles[0]["title"], "One");
    assert_eq!(articles[0]["paragraphs"], serde_json::json!(["a", "b"]));
    assert_eq!(articles[1]["guid"], "2");
}

#[test]
fn parse_of_html_or_missing_file_exits_2_naming_the_input() {
    let path = write("parsebad", "page.html", "<html><body><p>Not a feed</p></body></html>");
    let (status, _, stderr) = run_lede(&["parse", &path], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2));
    assert_one_line_error(&stderr, &path);
    let (status, _, stderr) =
        run_lede(&["parse", "/nonexistent/feed.xml"], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2));
    assert_one_line_error(&stderr, "/nonexistent/feed.xml");
}

#[test]
fn tail_of_a_missing_topic_exits_2() {
    let path = write("tail", "lede.toml", &format!("[kafka]\nbrokers = \"{}\"\n", brokers()));
    let (status, _, stderr) =
        run_lede(&["tail", "-c", &path, "--exit", "no-such-topic-here"], Duration::from_secs(30));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, "no-such-topic-here");
}

#[test]
fn discover_lists_the_feeds_a_page_advertises() {
    let page = write(
        "discover",
        "page.html",
        "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" title=\"World\" \
         href=\"https://news.example/world.rss\"></head><body></body></html>",
    );
    let (status, stdout, stderr) = run_lede(&["discover", &page], Duration::from_secs(20));
    assert!(status.success(), "{stderr}");
    let found: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_default();
    assert_eq!(found["url"], "https://news.example/world.rss");
    assert_eq!(found["type"], "application/rss+xml");
    assert_eq!(found["title"], "World");
}

#[test]
fn tag_prints_entities_with_exact_byte_spans() {
    let text = "Yassine al-Yasseri, the head of Kataeb Hezbollah, told the AP in Baghdad that Iraqi \
                forces were ready. São Paulo was calm.";
    let input = serde_json::json!({"id": "a1", "text": text}).to_string() + "\n";
    let path = write("tag", "in.jsonl", &input);
    let (status, stdout, stderr) = run_lede(&["tag", &path], Duration::from_secs(20));
    assert!(status.success(), "{stderr}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_default();
    assert_eq!(line["id"], "a1");
    let entities = line["entities"].as_array().cloned().unwrap_or_default();
    for entity in &entities {
        let (start, end) =
            (entity["start"].as_u64().unwrap_or(0), entity["end"].as_u64().unwrap_or(0));
        assert_eq!(
            text.get(start as usize..end as usize),
            entity["text"].as_str(),
            "spans are byte offsets into the input"
        );
    }
    let found = |name: &str, kind: &str| {
        entities.iter().any(|e| e["canonical"] == name && e["type"] == kind)
    };
    assert!(found("Associated Press", "ORG"), "{entities:?}");
    assert!(found("Baghdad", "LOC"), "{entities:?}");
    assert!(found("Kataeb Hezbollah", "ORG"), "{entities:?}");
    assert_eq!(line["demonyms"][0]["country_code"], "IQ");
}

#[test]
fn tag_of_a_bad_line_exits_2_naming_the_line() {
    let path = write("tagbad", "in.jsonl", "{\"id\": 1, \"text\": \"fine\"}\n{\"id\": 2}\n");
    let (status, stdout, stderr) = run_lede(&["tag", &path], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, &format!("{path}:2"));
    assert_eq!(stdout.lines().count(), 1, "the good line before it was tagged");
}

/// `n` articles with texts of their own (no two share a shingle), as
/// `lede dedup` reads them, one hour apart.
fn dedup_input(ids: impl Iterator<Item = usize>) -> String {
    ids.map(|i| {
        let words: Vec<String> = (0..20).map(|w| format!("w{i}x{w}")).collect();
        let line = serde_json::json!({
            "id": format!("a{i}"),
            "url": format!("https://news.example/{i}"),
            "title": format!("Story {i}"),
            "paragraphs": [words.join(" ")],
            "source": "Example",
            "published_at": format!("2020-01-0{}T{:02}:00:00Z", 1 + i / 24 % 3, i % 24),
        });
        line.to_string() + "\n"
    })
    .collect()
}

#[test]
fn dedup_prints_one_decision_per_article_in_input_order() {
    // 600 lines: several chunks, decided in order whatever worker parsed them.
    let input = dedup_input(0..300) + &dedup_input(0..300);
    let path = write("dedup", "in.jsonl", &input);
    let (status, stdout, stderr) = run_lede(&["dedup", &path], Duration::from_secs(30));
    assert!(status.success(), "{stderr}");
    let decisions: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_default()).collect();
    assert_eq!(decisions.len(), 600);
    for (i, decision) in decisions.iter().enumerate() {
        assert_eq!(decision["id"], format!("a{}", i % 300), "line {}", i + 1);
        let kind = if i < 300 { "new" } else { "duplicate" };
        assert_eq!(decision["kind"], kind, "line {}", i + 1);
        assert_eq!(decision["version"], 1);
    }
    assert_eq!(decisions[0]["story_id"], decisions[300]["story_id"], "a re-poll finds its story");
    assert_ne!(decisions[0]["story_id"], decisions[1]["story_id"]);
}

#[test]
fn dedup_of_a_bad_line_exits_2_naming_the_line() {
    let input = dedup_input(0..299) + "{\"title\": \"no id\"}\n" + &dedup_input(300..400);
    let path = write("dedupbad", "in.jsonl", &input);
    let (status, stdout, stderr) = run_lede(&["dedup", &path], Duration::from_secs(30));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, &format!("{path}:300"));
    assert_eq!(stdout.lines().count(), 299, "the lines before it were decided");
}

/// The longest line `lede dedup` and `lede tag` read (`MAX_LINE_BYTES`).
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

#[test]
fn dedup_of_a_line_too_long_exits_2_naming_it_after_deciding_the_lines_before() {
    // A blank line is skipped but counted: the long line is line 4.
    let input = dedup_input(0..2) + "\n" + &"x".repeat(MAX_LINE_BYTES + 1) + "\n";
    let path = write("deduplong", "in.jsonl", &(input + &dedup_input(2..4)));
    let (status, stdout, stderr) = run_lede(&["dedup", &path], Duration::from_secs(30));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, &format!("{path}:4: line longer than {MAX_LINE_BYTES} bytes"));
    assert_eq!(stdout.lines().count(), 2, "the lines before it were decided");
}

#[test]
fn tag_of_a_line_too_long_exits_2_naming_it_after_tagging_the_lines_before() {
    let input = "{\"id\": 1, \"text\": \"fine\"}\n".to_owned() + &"x".repeat(MAX_LINE_BYTES + 1);
    let path = write("taglong", "in.jsonl", &input);
    let (status, stdout, stderr) = run_lede(&["tag", &path], Duration::from_secs(20));
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_one_line_error(&stderr, &format!("{path}:2: line longer than {MAX_LINE_BYTES} bytes"));
    assert_eq!(stdout.lines().count(), 1, "the line before it was tagged");
}

/// Run `lede args` reading a pipe, writing each of `lines` only once the
/// one before has its answer: a script that feeds it as articles arrive
/// gets each answer as its line comes, not at the end of the input.
fn answers_each_line_as_it_comes(args: &[&str], lines: &[String]) -> Vec<String> {
    use std::io::{BufRead, Write};
    let mut child = spawn_lede(args, std::process::Stdio::piped());
    let (mut stdin, stdout) = (child.stdin.take(), child.stdout.take());
    let (to_test, answers) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for answer in std::io::BufReader::new(stdout.expect("piped")).lines() {
            if to_test.send(answer).is_err() {
                return;
            }
        }
    });
    let mut got = Vec::new();
    for line in lines {
        let input = stdin.as_mut().expect("piped");
        writeln!(input, "{line}").and_then(|()| input.flush()).expect("lede reads its input");
        match answers.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(answer)) => got.push(answer),
            other => {
                let _ = child.kill();
                panic!("no answer to {line} before the next line: {other:?}");
            }
        }
    }
    drop(stdin);
    let status = wait_for_exit(&mut child, args, Duration::from_secs(20));
    assert!(status.success(), "lede {args:?}: {status}");
    got
}

#[test]
fn dedup_decides_each_article_of_a_pipe_as_it_comes() {
    let lines: Vec<String> = dedup_input(0..3).lines().map(String::from).collect();
    let answers = answers_each_line_as_it_comes(&["dedup"], &[&lines[..], &lines[..1]].concat());
    let kinds: Vec<String> = (answers.iter())
        .map(|answer| serde_json::from_str::<serde_json::Value>(answer).unwrap_or_default())
        .map(|decision| format!("{} {}", decision["id"], decision["kind"]))
        .collect();
    assert_eq!(kinds, [r#""a0" "new""#, r#""a1" "new""#, r#""a2" "new""#, r#""a0" "duplicate""#]);
}

#[test]
fn tag_tags_each_text_of_a_pipe_as_it_comes() {
    let lines: Vec<String> = (1..=3)
        .map(|id| format!(r#"{{"id": {id}, "text": "Talks in Paris, day {id}."}}"#))
        .collect();
    let answers = answers_each_line_as_it_comes(&["tag"], &lines);
    for (id, answer) in (1..).zip(answers) {
        let tagged: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
        assert_eq!(tagged["id"], id, "{answer}");
        assert_eq!(tagged["entities"][0]["text"], "Paris", "{answer}");
    }
}
