//! Workspace settings: which keys exist, what each means, and what values are valid.
//!
//! Guarantees: only known keys are stored, and only in their valid form (the
//! certificate number layout depends on them: 4-digit organisation code, 2-digit
//! province, 6-digit site, evaluator type Y or S, a number layout that cannot repeat).
//! Key-file settings ([`SettingSpec::key_file`]) hold a path; the command that sets
//! them reads the file and checks it is the right kind of key before storing it.

/// A setting people may read and change.
pub struct SettingSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub check: fn(&str) -> Result<String, String>,
    /// The value is the path of a secret key file, checked by the command that sets it.
    pub key_file: bool,
}

fn digits(n: usize) -> impl Fn(&str) -> Result<String, String> {
    move |value: &str| {
        let value = value.trim();
        if value.len() == n && value.chars().all(|c| c.is_ascii_digit()) {
            Ok(value.to_owned())
        } else {
            Err(format!("应为 {n} 位数字，例如 {}", "0".repeat(n - 1) + "1"))
        }
    }
}

fn non_empty(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() { Err("不能为空".into()) } else { Ok(value.to_owned()) }
}

fn evaluator_type(value: &str) -> Result<String, String> {
    match value.trim().to_ascii_uppercase().as_str() {
        "Y" | "用人单位" => Ok("Y".into()),
        "S" | "社会培训评价组织" | "社会组织" => Ok("S".into()),
        _ => Err("应为 Y（用人单位）或 S（社会培训评价组织）".into()),
    }
}

fn number_format(value: &str) -> Result<String, String> {
    let value = value.trim();
    crate::certificate::check_format(value)?;
    Ok(value.to_owned())
}

/// Months a part passed stays valid for a retake (补考): a whole number 1 to 60.
fn retake_months(value: &str) -> Result<String, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=60).contains(&n) => Ok(n.to_string()),
        _ => Err("应为 1 到 60 之间的整数（月），默认 12".into()),
    }
}

/// The default of `retake-months`.
pub const RETAKE_MONTHS: u32 = 12;

pub static SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "org-code", label: "评价机构代码（4 位数字）", check: |v| digits(4)(v), key_file: false
    },
    SettingSpec { key: "org-name", label: "评价机构名称", check: non_empty, key_file: false },
    SettingSpec { key: "province", label: "省份代码（2 位数字）", check: |v| digits(2)(v), key_file: false },
    SettingSpec { key: "site", label: "考核站点序号（6 位数字）", check: |v| digits(6)(v), key_file: false },
    SettingSpec {
        key: "evaluator-type",
        label: "评价机构类型（Y 用人单位 / S 社会培训评价组织）",
        check: evaluator_type,
        key_file: false,
    },
    SettingSpec {
        key: "cert-number-format",
        label: "证书编号格式（默认人社 22 位：{type}{org}{province}{site}{yy}{level}{serial6}）",
        check: number_format,
        key_file: false,
    },
    SettingSpec {
        key: "retake-months",
        label: "补考时已合格部分的保留期（月，1–60，默认 12）",
        check: retake_months,
        key_file: false,
    },
    SettingSpec {
        key: "signing-key", label: "签名私钥文件（keys generate 生成）", check: non_empty, key_file: true
    },
    SettingSpec {
        key: "person-key",
        label: "个人信息密钥文件（keys person-key 生成，或区域登记平台分发）",
        check: non_empty,
        key_file: true,
    },
];

/// Finds a setting by key.
pub fn spec(key: &str) -> Result<&'static SettingSpec, String> {
    SETTINGS.iter().find(|s| s.key == key.trim()).ok_or_else(|| {
        format!("没有「{key}」这项设置；可用的设置：{}", SETTINGS.iter().map(|s| s.key).collect::<Vec<_>>().join("、"))
    })
}

/// Checks and normalises a value for `key`; the error says what a valid value looks like.
pub fn validate(key: &str, value: &str) -> Result<String, String> {
    let spec = spec(key)?;
    (spec.check)(value).map_err(|why| format!("{} {key} 的值「{value}」不对：{why}", spec.label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_must_have_their_digit_count() {
        assert_eq!(validate("org-code", " 0001 ").unwrap(), "0001");
        assert!(validate("org-code", "001").is_err());
        assert!(validate("province", "1a").is_err());
        assert_eq!(validate("site", "000012").unwrap(), "000012");
        assert_eq!(validate("evaluator-type", "y").unwrap(), "Y");
        assert!(validate("colour", "red").unwrap_err().contains("org-code"));
        assert_eq!(
            validate("cert-number-format", " {org}-{yyyy}-{level}-{serial6} ").unwrap(),
            "{org}-{yyyy}-{level}-{serial6}"
        );
        assert!(validate("cert-number-format", "{org}-{serial6}").unwrap_err().contains("年份"));
        assert!(validate("cert-number-format", "{org}-{yyyy}-{level}-{serial6}-{x}").is_err());
        assert_eq!(validate("retake-months", " 24 ").unwrap(), "24");
        assert!(validate("retake-months", "0").is_err() && validate("retake-months", "61").is_err());
        assert!(validate("retake-months", "1.5").unwrap_err().contains("1 到 60"));
    }
}
