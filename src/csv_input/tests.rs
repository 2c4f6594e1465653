use super::*;

fn read_all(bytes: &[u8], encoding: Encoding) -> Result<(Vec<String>, Vec<Row>), CsvError> {
    let mut input = CsvInput::from_reader(Path::new("t.csv"), bytes, encoding)?;
    let mut rows = Vec::new();
    let mut row = Row::default();
    while input.read_row(&mut row)? {
        rows.push(row.clone());
    }
    Ok((input.headers().to_vec(), rows))
}

/// CP932 bytes as Excel writes them: 髙 (IBM extension FB FC), ① (NEC 87 40),
/// ㈱ (87 8A), and 表 whose trail byte 0x5C is a backslash in ASCII.
const CP932: &[u8] =
    b"email,name\r\ntaka@example.jp,\xFB\xFC\x8B\xB4\r\nmaru@example.jp,\x87\x40\x87\x8A\x95\x5C\r\n";

#[test]
fn decodes_cp932_explicitly_and_by_detection() {
    for encoding in [Encoding::ShiftJis, Encoding::Auto] {
        let (headers, rows) = read_all(CP932, encoding).unwrap();
        assert_eq!(headers, ["email", "name"]);
        assert_eq!(rows[0].fields[1], "髙橋");
        assert_eq!(rows[1].fields[1], "①㈱表");
        assert_eq!(rows[1].line, 3);
    }
}

#[test]
fn strips_the_utf8_bom_from_the_first_header() {
    let (headers, rows) = read_all(
        "\u{feff}email,name\n a@example.jp ,髙橋\n".as_bytes(),
        Encoding::Auto,
    )
    .unwrap();
    assert_eq!(headers, ["email", "name"]);
    assert_eq!(rows[0].fields, [" a@example.jp ", "髙橋"]);
}

#[test]
fn quoted_fields_keep_commas_and_line_breaks_and_lines_stay_true() {
    let text = "email,note\na@example.jp,\"one, two\nthree\"\nb@example.jp,x\n";
    let (_, rows) = read_all(text.as_bytes(), Encoding::Utf8).unwrap();
    assert_eq!(rows[0].fields[1], "one, two\nthree");
    assert_eq!(rows[1].line, 4);
}

#[test]
fn line_numbers_survive_blank_lines_crlf_and_a_missing_final_newline() {
    for text in [
        "email\na@example.jp\n\n\nb@example.jp\n\"c\nd\"\n\n\ne@example.jp",
        "email\r\na@example.jp\r\n\r\n\r\nb@example.jp\r\n\"c\r\nd\"\r\n\r\n\r\ne@example.jp\r\n",
    ] {
        let (_, rows) = read_all(text.as_bytes(), Encoding::Utf8).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5, 6, 10], "{text:?}");
        assert_eq!(rows[3].fields[0], "e@example.jp");
        assert!(!rows[2].fields[0].ends_with('\r'));
    }
}

#[test]
fn reports_wrong_field_count_with_its_line() {
    let err = read_all(
        b"email,name\na@example.jp,A\nb@example.jp\n",
        Encoding::Utf8,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            CsvError::FieldCount {
                line: 3,
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn reports_undecodable_bytes_with_line_and_column() {
    let err = read_all(b"email,name\na@example.jp,\xFB\xFC\n", Encoding::Utf8).unwrap_err();
    assert!(
        matches!(&err, CsvError::Undecodable { line: 2, column, .. } if column == "name"),
        "{err}"
    );
    assert!(err.to_string().contains("shift_jis"));
    // Once auto has settled on UTF-8, later CP932 is a mixture, not a switch.
    let mixed = "email,name\na@example.jp,髙橋\n"
        .as_bytes()
        .iter()
        .chain(b"b@example.jp,\x87\x40\n")
        .copied()
        .collect::<Vec<u8>>();
    let err = read_all(&mixed, Encoding::Auto).unwrap_err();
    assert!(
        matches!(err, CsvError::Undecodable { line: 3, .. }),
        "{err}"
    );
}

#[test]
fn refuses_duplicate_and_missing_columns() {
    let err = read_all(b"email,name,email\n", Encoding::Auto).unwrap_err();
    assert!(matches!(err, CsvError::DuplicateColumn { .. }), "{err}");
    let input =
        CsvInput::from_reader(Path::new("t.csv"), &b"mail,name\n"[..], Encoding::Auto).unwrap();
    let err = input.column("email").unwrap_err();
    assert!(err.to_string().contains("it has: mail, name"), "{err}");
    assert!(matches!(
        read_all(b"", Encoding::Auto).unwrap_err(),
        CsvError::NoHeader { .. }
    ));
}
