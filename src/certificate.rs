//! Certificate records: their numbers, the canonical text that is signed, signed
//! revocation lists, and the offline verdict, so that anyone can verify a certificate
//! with any Ed25519 library and nothing unsigned can change the answer.
//!
//! Guarantees:
//! - [`Record::payload`] is the v2 record: UTF-8, one `key=value` per line in the fixed
//!   order `format, number, name, id_masked, id_hmac, occupation, level, theory,
//!   practical, issued, issuer`, `\n` line ends, no trailing newline, scores with two
//!   decimals. The ID number appears only as the printed mask and as HMAC-SHA256 keyed
//!   with the workspace's secret person key: without that key nobody can test guesses of
//!   the hidden birth date, so the record publishes nothing the printed mask does not.
//!   v1 records (`id_sha256`) issued before still verify; none are made any more.
//! - Signatures are Ed25519 over those bytes, written base64url without padding; public
//!   keys are the raw 32 bytes, base64url without padding.
//! - [`verdict`] decides from signed bytes only: the record's payload and signature, and
//!   a revocation list whose own signature checks with the same trusted key. Without a
//!   list the verdict says revocation was not checked; it never claims "not revoked".
//! - [`number`] fills the workspace's layout; the default is the 22-character 人社 layout
//!   `[Y|S]` + 4-digit evaluator code + 2-digit province + 6-digit site + 2-digit year +
//!   level digit + 6-digit serial. [`check_format`] refuses layouts that could repeat.
//!
//! No I/O here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::vocabulary::{Level, Scheme};

/// The default number layout (人社 职业技能等级证书).
pub const DEFAULT_FORMAT: &str = "{type}{org}{province}{site}{yy}{level}{serial6}";

/// The record format written today.
pub const FORMAT_V2: &str = "certify-cert-v2";
/// The first record format (unsalted ID digest); still verified, never written.
pub const FORMAT_V1: &str = "certify-cert-v1";
/// The revocation list format.
pub const REVOCATIONS_FORMAT: &str = "certify-revocations-v1";

/// The workspace's secret for keyed digests of ID numbers: 32 random bytes, written as
/// base64url without padding. Sites that push to one registry share one key, so the
/// same person gives the same digest everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonKey([u8; 32]);

impl std::fmt::Debug for PersonKey {
    // Never print the secret, not even in a debug trace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKey(…)")
    }
}

impl PersonKey {
    pub fn from_bytes(bytes: [u8; 32]) -> PersonKey {
        PersonKey(bytes)
    }

    /// Reads the one-line text form; the error says what a key file looks like.
    pub fn parse(text: &str) -> Result<PersonKey, String> {
        decode(text)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(PersonKey)
            .ok_or_else(|| "不是个人信息密钥：应为一行 43 个字符（32 字节的 base64url，无填充）".to_owned())
    }

    pub fn to_text(&self) -> String {
        encode(&self.0)
    }

    /// base64url (no padding) of HMAC-SHA256 over the upper-cased, trimmed ID number.
    pub fn id_hmac(&self, id_number: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id_number.trim().to_uppercase().as_bytes());
        encode(&mac.finalize().into_bytes())
    }
}

/// What a certificate says, before signing.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub number: String,
    pub name: String,
    /// The ID number as printed on documents (first 6 and last 4 characters).
    pub id_masked: String,
    /// [`PersonKey::id_hmac`] of the ID number.
    pub id_hmac: String,
    pub level: Level,
    pub theory: f64,
    pub practical: f64,
    /// YYYY-MM-DD
    pub issued: String,
    pub issuer: String,
}

/// The occupation or certificate named on a certificate of `level`.
pub fn occupation(level: Level) -> &'static str {
    match level.scheme() {
        Scheme::Baoyushi => "保育师",
        Scheme::YouerZhaohu => "幼儿照护",
    }
}

/// Values are single-line by construction; a line break inside one would let a forger
/// add fields, so line breaks and tabs (the revocation list's separator) become spaces.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r', '\t'], " ")
}

impl Record {
    /// The canonical text that is signed.
    pub fn payload(&self) -> String {
        [
            format!("format={FORMAT_V2}"),
            format!("number={}", one_line(&self.number)),
            format!("name={}", one_line(&self.name)),
            format!("id_masked={}", one_line(&self.id_masked)),
            format!("id_hmac={}", self.id_hmac),
            format!("occupation={}", occupation(self.level)),
            format!("level={}", self.level.label()),
            format!("theory={:.2}", self.theory),
            format!("practical={:.2}", self.practical),
            format!("issued={}", one_line(&self.issued)),
            format!("issuer={}", one_line(&self.issuer)),
        ]
        .join("\n")
    }
}

/// The value of `key` in a payload.
pub fn payload_field<'a>(payload: &'a str, key: &str) -> Option<&'a str> {
    payload.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

/// The level digit of the 人社 layout: 五级 5 … 一级 1; the 1+X levels use the digits of
/// their 保育师 counterparts (初级 5, 中级 4, 高级 3).
pub fn level_digit(level: Level) -> u8 {
    match level {
        Level::Grade5 | Level::XJunior => 5,
        Level::Grade4 | Level::XMiddle => 4,
        Level::Grade3 | Level::XSenior => 3,
        Level::Grade2 => 2,
        Level::Grade1 => 1,
    }
}

/// The parts a number is made of.
pub struct NumberParts<'a> {
    pub evaluator_type: &'a str,
    pub org: &'a str,
    pub province: &'a str,
    pub site: &'a str,
    /// Four-digit year of issue.
    pub year: i16,
    pub level: Level,
    pub serial: u32,
}

/// Fills a number layout. Placeholders: `{type}` `{org}` `{province}` `{site}` `{yyyy}`
/// `{yy}` `{level}` `{serial}` and `{serialN}` (zero-padded to N digits).
pub fn number(format: &str, parts: &NumberParts<'_>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').ok_or("证书编号格式中的 { 没有配对的 }")? + start;
        let name = &rest[start + 1..end];
        let value = match name {
            "type" => parts.evaluator_type.to_owned(),
            "org" => parts.org.to_owned(),
            "province" => parts.province.to_owned(),
            "site" => parts.site.to_owned(),
            "yyyy" => format!("{:04}", parts.year),
            "yy" => format!("{:02}", parts.year.rem_euclid(100)),
            "level" => level_digit(parts.level).to_string(),
            "serial" => parts.serial.to_string(),
            _ if name.starts_with("serial") => {
                let width: usize = name["serial".len()..].parse().map_err(|_| format!("不认识的占位符 {{{name}}}"))?;
                let text = format!("{:0width$}", parts.serial);
                if text.len() > width {
                    return Err(format!("流水号 {} 超过了 {width} 位", parts.serial));
                }
                text
            }
            _ => return Err(format!("不认识的占位符 {{{name}}}")),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks a layout. Serials count per year and level digit, so a layout gives unique
/// numbers only with a serial, a year and the level digit in it; unknown placeholders
/// and unbalanced braces are refused too.
pub fn check_format(format: &str) -> Result<(), String> {
    let sample = NumberParts {
        evaluator_type: "S",
        org: "0001",
        province: "11",
        site: "000001",
        year: 2026,
        level: Level::Grade4,
        serial: 1,
    };
    number(format, &sample)?;
    let missing: Vec<&str> = [
        ("{serial", "流水号 {serial6}（或 {serial}、{serialN}）"),
        ("{yy", "年份 {yy} 或 {yyyy}"),
        ("{level}", "等级 {level}"),
    ]
    .into_iter()
    .filter(|(placeholder, _)| !format.contains(placeholder))
    .map(|(_, what)| what)
    .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "证书编号格式缺少{}：流水号按年份和等级分别计数，缺了这些，不同证书会得到同一个编号",
            missing.join("、")
        ))
    }
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim()).ok()
}

/// Signs a payload: base64url of the 64-byte signature.
pub fn sign(key: &SigningKey, payload: &str) -> String {
    encode(&key.sign(payload.as_bytes()).to_bytes())
}

/// The public key as base64url of its 32 bytes.
pub fn public_key_text(key: &VerifyingKey) -> String {
    encode(key.as_bytes())
}

/// Why a certificate is not authentic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgery {
    BadPublicKey,
    BadSignatureText,
    SignatureMismatch,
}

impl std::fmt::Display for Forgery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Forgery::BadPublicKey => "公钥格式不对",
            Forgery::BadSignatureText => "签名格式不对",
            Forgery::SignatureMismatch => "签名与内容不符：证书内容被改动过，或不是用这把密钥签发的",
        })
    }
}

/// Checks `signature` (base64url) over `payload` with `public_key` (base64url, 32 bytes).
pub fn verify(payload: &str, signature: &str, public_key: &str) -> Result<(), Forgery> {
    let key: [u8; 32] = decode(public_key).and_then(|b| b.try_into().ok()).ok_or(Forgery::BadPublicKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| Forgery::BadPublicKey)?;
    let signature: [u8; 64] = decode(signature).and_then(|b| b.try_into().ok()).ok_or(Forgery::BadSignatureText)?;
    key.verify_strict(payload.as_bytes(), &Signature::from_bytes(&signature)).map_err(|_| Forgery::SignatureMismatch)
}

/// A revoked certificate as the revocation list names it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Revoked {
    pub number: String,
    pub revoked_at: String,
    pub reason: String,
}

/// A list of revoked certificates, signed by the issuer so that it can travel with the
/// certificates and be trusted offline as far as its date goes.
#[derive(Debug, Clone, PartialEq)]
pub struct RevocationList {
    pub issuer: String,
    /// base64url of the issuer's 32-byte public key.
    pub public_key: String,
    /// When the list was made (RFC 3339): revocations after it are not in it.
    pub generated: String,
    /// In number order.
    pub revoked: Vec<Revoked>,
}

impl RevocationList {
    /// The canonical text that is signed: `format`, `issuer`, `public_key`, `generated`,
    /// then one `revoked=NUMBER<TAB>WHEN<TAB>REASON` line per certificate in number order.
    pub fn payload(&self) -> String {
        let mut revoked = self.revoked.clone();
        revoked.sort_by(|a, b| a.number.cmp(&b.number));
        let mut lines = vec![
            format!("format={REVOCATIONS_FORMAT}"),
            format!("issuer={}", one_line(&self.issuer)),
            format!("public_key={}", one_line(&self.public_key)),
            format!("generated={}", one_line(&self.generated)),
        ];
        lines.extend(
            revoked.iter().map(|r| {
                format!("revoked={}\t{}\t{}", one_line(&r.number), one_line(&r.revoked_at), one_line(&r.reason))
            }),
        );
        lines.join("\n")
    }

    /// Reads a list back from its signed text; anything but the documented lines is refused.
    pub fn parse(payload: &str) -> Result<RevocationList, String> {
        let mut lines = payload.split('\n');
        let mut header = |key: &str| -> Result<String, String> {
            lines
                .next()
                .and_then(|line| line.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_owned)
                .ok_or_else(|| format!("撤销名单的签名内容缺少 {key} 一行"))
        };
        if header("format")? != REVOCATIONS_FORMAT {
            return Err(format!("不是撤销名单（格式应为 {REVOCATIONS_FORMAT}）"));
        }
        let (issuer, public_key, generated) = (header("issuer")?, header("public_key")?, header("generated")?);
        let mut revoked = Vec::new();
        for line in lines {
            let entry = line.strip_prefix("revoked=").ok_or_else(|| format!("撤销名单中有不认识的一行：{line}"))?;
            let mut parts = entry.splitn(3, '\t');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(number), Some(when), Some(reason)) => revoked.push(Revoked {
                    number: number.to_owned(),
                    revoked_at: when.to_owned(),
                    reason: reason.to_owned(),
                }),
                _ => return Err(format!("撤销名单中有一行不完整：{line}")),
            }
        }
        Ok(RevocationList { issuer, public_key, generated, revoked })
    }
}

/// A revocation list as it arrived: its signed text and signature.
pub struct SignedList<'a> {
    pub payload: &'a str,
    pub signature: &'a str,
}

/// The answer to "can I trust this certificate?", decided from signed bytes only.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Verdict {
    pub number: String,
    pub valid: bool,
    /// `valid`, `revoked` or `invalid`.
    pub status: &'static str,
    /// Why not valid; for a valid certificate, what was and was not checked.
    pub reason: Option<String>,
    pub revocation_checked: bool,
    /// The time of the revocation list consulted, if any.
    pub revocations_as_of: Option<String>,
    /// What the certificate says, read from the signed text once the signature holds, so
    /// the reader compares the person in front of them with signed words, never with
    /// fields anybody could have edited.
    pub certificate: Option<SignedContent>,
}

/// The signed fields of a certificate record, as shown by a verification.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SignedContent {
    pub name: String,
    /// Absent in v1 records.
    pub id_masked: Option<String>,
    pub occupation: String,
    pub level: String,
    pub theory: String,
    pub practical: String,
    pub issued: String,
    pub issuer: String,
}

impl SignedContent {
    fn of(payload: &str) -> SignedContent {
        let field = |key: &str| payload_field(payload, key).unwrap_or("").to_owned();
        SignedContent {
            name: field("name"),
            id_masked: payload_field(payload, "id_masked").map(str::to_owned),
            occupation: field("occupation"),
            level: field("level"),
            theory: field("theory"),
            practical: field("practical"),
            issued: field("issued"),
            issuer: field("issuer"),
        }
    }

    /// One line for people: who, what, which scores, when and by whom.
    pub fn line(&self) -> String {
        let id = self.id_masked.as_deref().map(|id| format!("（身份证号 {id}）")).unwrap_or_default();
        format!(
            "持证人 {}{id}，{} {}，理论 {} 分、实操 {} 分，{} 由 {} 发证",
            self.name, self.occupation, self.level, self.theory, self.practical, self.issued, self.issuer
        )
    }
}

impl Verdict {
    fn invalid(number: &str, reason: impl Into<String>) -> Verdict {
        Verdict {
            number: number.to_owned(),
            valid: false,
            status: "invalid",
            reason: Some(reason.into()),
            revocation_checked: false,
            revocations_as_of: None,
            certificate: None,
        }
    }
}

/// Judges a certificate record offline: its payload must be a certify record and carry
/// `trusted_key`'s signature; then, if a revocation list is given, the list must carry
/// the same key's signature and is consulted. Nothing else is looked at, so an edited,
/// added or deleted unsigned field cannot change the answer.
pub fn verdict(payload: &str, signature: &str, trusted_key: &str, revocations: Option<SignedList<'_>>) -> Verdict {
    let number = payload_field(payload, "number").unwrap_or("").to_owned();
    match payload_field(payload, "format") {
        Some(FORMAT_V1 | FORMAT_V2) if !number.is_empty() => {}
        _ => return Verdict::invalid(&number, "签名内容不是 certify 证书记录（缺少 format 或 number）"),
    }
    if let Err(forgery) = verify(payload, signature, trusted_key) {
        return Verdict::invalid(&number, format!("签名核验未通过：{forgery}"));
    }
    let content = Some(SignedContent::of(payload));
    let Some(list) = revocations else {
        return Verdict {
            number,
            valid: true,
            status: "valid",
            reason: Some("签名真实、内容未被改动；未核对撤销情况（没有提供撤销名单）".into()),
            revocation_checked: false,
            revocations_as_of: None,
            certificate: content,
        };
    };
    if let Err(forgery) = verify(list.payload, list.signature, trusted_key) {
        return Verdict {
            certificate: content,
            ..Verdict::invalid(
                &number,
                format!("撤销名单不可信：{forgery}。证书签名本身真实，但无法据此名单判断是否已撤销"),
            )
        };
    }
    let list = match RevocationList::parse(list.payload) {
        Ok(list) => list,
        Err(why) => {
            return Verdict {
                certificate: content, ..Verdict::invalid(&number, format!("撤销名单不可信：{why}"))
            };
        }
    };
    let as_of = Some(list.generated.clone());
    if let Some(entry) = list.revoked.iter().find(|r| r.number == number) {
        return Verdict {
            number,
            valid: false,
            status: "revoked",
            reason: Some(format!("已于 {} 撤销：{}", entry.revoked_at, entry.reason)),
            revocation_checked: true,
            revocations_as_of: as_of,
            certificate: content,
        };
    }
    let issued = payload_field(payload, "issued").unwrap_or("");
    // Dates compare as text: both start YYYY-MM-DD.
    let note = if !issued.is_empty() && list.generated.get(..10).is_some_and(|day| day < issued) {
        format!("撤销名单生成于 {}，早于证书签发日 {issued}：此后的撤销无法离线得知", list.generated)
    } else {
        format!("截至撤销名单生成时（{}）未被撤销；此后的撤销无法离线得知", list.generated)
    };
    Verdict {
        number,
        valid: true,
        status: "valid",
        reason: Some(format!("签名真实、内容未被改动；{note}")),
        revocation_checked: true,
        revocations_as_of: as_of,
        certificate: content,
    }
}

/// What the QR code on a printed certificate holds: the number, the payload's SHA-256
/// and the signature, so a phone can read them and compare with a verification.
pub fn qr_content(number: &str, payload: &str, signature: &str) -> String {
    let digest: String = Sha256::digest(payload.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    format!("certify:v1;number={number};sha256={digest};sig={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        let key = PersonKey::from_bytes([7u8; 32]);
        Record {
            number: "S000111000001264000001".into(),
            name: "张三".into(),
            id_masked: crate::idcard::mask("11010519491231002X"),
            id_hmac: key.id_hmac("11010519491231002x"),
            level: Level::Grade4,
            theory: 85.0,
            practical: 77.5,
            issued: "2026-12-20".into(),
            issuer: "示例认定中心".into(),
        }
    }

    #[test]
    fn payload_is_the_documented_v2_text() {
        let payload = record().payload();
        // The HMAC was computed independently (Python's hmac module, key = 32 bytes of 7).
        let expected = "format=certify-cert-v2\nnumber=S000111000001264000001\nname=张三\n\
             id_masked=110105********002X\nid_hmac=422oT-86HGo-qXawrkuf497H9ITHAMzHSS4jEJXVjsU\n\
             occupation=保育师\nlevel=四级\ntheory=85.00\npractical=77.50\nissued=2026-12-20\nissuer=示例认定中心";
        assert_eq!(payload, expected);
        assert!(!payload.ends_with('\n'));
        assert!(!payload.contains("11010519491231002"));
        assert_eq!(payload_field(&payload, "level"), Some("四级"));
    }

    #[test]
    fn person_keys_round_trip_and_refuse_other_text() {
        let key = PersonKey::from_bytes([7u8; 32]);
        assert_eq!(key.to_text(), "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc");
        assert_eq!(PersonKey::parse(&format!("{}\n", key.to_text())).unwrap(), key);
        assert!(PersonKey::parse("short").is_err());
        assert!(!format!("{key:?}").contains("Bwc"));
    }

    #[test]
    fn a_value_with_a_line_break_cannot_add_a_field() {
        let mut r = record();
        r.name = "张三\nlevel=一级".into();
        let payload = r.payload();
        assert_eq!(payload.lines().count(), 11);
        assert_eq!(payload_field(&payload, "level"), Some("四级"));
    }

    #[test]
    fn the_default_number_has_the_22_character_layout() {
        let parts = NumberParts {
            evaluator_type: "S",
            org: "0001",
            province: "14",
            site: "000001",
            year: 2026,
            level: Level::Grade5,
            serial: 1,
        };
        let n = number(DEFAULT_FORMAT, &parts).unwrap();
        assert_eq!(n, "S000114000001265000001");
        assert_eq!(n.len(), 22);
        assert!(check_format("{org}-{yyyy}-{level}-{serial6}").is_ok());
        assert!(check_format(DEFAULT_FORMAT).is_ok());
        assert!(check_format("{org}-{yyyy}").unwrap_err().contains("流水号"));
        assert!(check_format("{org}-{yyyy}-{serial}").unwrap_err().contains("等级"));
        assert!(check_format("{org}-{level}-{serial}").unwrap_err().contains("年份"));
        assert!(check_format("{org}{colour}{serial4}").unwrap_err().contains("colour"));
        assert!(check_format("{org").is_err());
    }

    #[test]
    fn a_signature_verifies_and_any_changed_byte_does_not() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = public_key_text(&key.verifying_key());
        let payload = record().payload();
        let signature = sign(&key, &payload);
        assert_eq!(decode(&signature).unwrap().len(), 64);
        assert!(!signature.contains('='));
        assert_eq!(verify(&payload, &signature, &public), Ok(()));
        let tampered = payload.replace("theory=85.00", "theory=95.00");
        assert_eq!(verify(&tampered, &signature, &public), Err(Forgery::SignatureMismatch));
        let other = public_key_text(&SigningKey::from_bytes(&[8u8; 32]).verifying_key());
        assert_eq!(verify(&payload, &signature, &other), Err(Forgery::SignatureMismatch));
        assert_eq!(verify(&payload, "not base64!", &public), Err(Forgery::BadSignatureText));
    }

    fn signed_list(key: &SigningKey, generated: &str, revoked: &[&str]) -> (String, String) {
        let list = RevocationList {
            issuer: "示例认定中心".into(),
            public_key: public_key_text(&key.verifying_key()),
            generated: generated.into(),
            revoked: revoked
                .iter()
                .map(|n| Revoked {
                    number: (*n).into(),
                    revoked_at: "2026-12-21T10:00:00+08:00".into(),
                    reason: "成绩更正\t重发".into(),
                })
                .collect(),
        };
        let payload = list.payload();
        let signature = sign(key, &payload);
        (payload, signature)
    }

    #[test]
    fn the_verdict_rests_on_signed_bytes_only() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = public_key_text(&key.verifying_key());
        let payload = record().payload();
        let signature = sign(&key, &payload);
        let number = "S000111000001264000001";

        let plain = verdict(&payload, &signature, &public, None);
        assert!(plain.valid);
        assert!(!plain.revocation_checked);
        assert!(!plain.reason.as_deref().unwrap().contains("未被撤销"));

        let (list, list_sig) = signed_list(&key, "2026-12-22T08:00:00+08:00", &[number]);
        let revoked = verdict(&payload, &signature, &public, Some(SignedList { payload: &list, signature: &list_sig }));
        assert_eq!((revoked.valid, revoked.status, revoked.revocation_checked), (false, "revoked", true));
        assert!(revoked.reason.unwrap().contains("成绩更正"));

        let (clean, clean_sig) = signed_list(&key, "2026-12-22T08:00:00+08:00", &["S000111000001264000002"]);
        let fine = verdict(&payload, &signature, &public, Some(SignedList { payload: &clean, signature: &clean_sig }));
        assert!(fine.valid && fine.revocation_checked);
        assert_eq!(fine.revocations_as_of.as_deref(), Some("2026-12-22T08:00:00+08:00"));

        // A list older than the certificate says so.
        let (old, old_sig) = signed_list(&key, "2026-12-01T08:00:00+08:00", &[]);
        let early = verdict(&payload, &signature, &public, Some(SignedList { payload: &old, signature: &old_sig }));
        assert!(early.valid);
        assert!(early.reason.unwrap().contains("早于证书签发日"));

        // A list with a changed byte, or signed by another key, is refused.
        let edited = list.replace(number, "S000111000001264000009");
        let v = verdict(&payload, &signature, &public, Some(SignedList { payload: &edited, signature: &list_sig }));
        assert_eq!((v.valid, v.status), (false, "invalid"));
        assert!(v.reason.unwrap().contains("撤销名单不可信"));
        let other = SigningKey::from_bytes(&[9u8; 32]);
        let (forged, forged_sig) = signed_list(&other, "2026-12-22T08:00:00+08:00", &[]);
        let v = verdict(&payload, &signature, &public, Some(SignedList { payload: &forged, signature: &forged_sig }));
        assert!(!v.valid && v.reason.unwrap().contains("撤销名单不可信"));

        // A changed payload fails the signature and says so.
        let v = verdict(&payload.replace("theory=85.00", "theory=95.00"), &signature, &public, None);
        assert_eq!((v.valid, v.status), (false, "invalid"));
        assert!(v.reason.unwrap().contains("签名核验未通过"));
    }

    #[test]
    fn revocation_lists_read_back_what_they_sign() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let (payload, _) = signed_list(&key, "2026-12-22T08:00:00+08:00", &["B", "A"]);
        let list = RevocationList::parse(&payload).unwrap();
        assert_eq!(list.revoked.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(list.revoked[0].reason, "成绩更正 重发");
        assert_eq!(list.payload(), payload);
        assert!(RevocationList::parse(&format!("{payload}\nextra=1")).is_err());
        assert!(RevocationList::parse("format=other").is_err());
    }

    #[test]
    fn v1_records_issued_before_still_verify() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = public_key_text(&key.verifying_key());
        let v1 = "format=certify-cert-v1\nnumber=S000111000001264000001\nname=张三\nid_sha256=00\n\
                  occupation=保育师\nlevel=四级\ntheory=85.00\npractical=77.50\nissued=2026-12-20\nissuer=示例认定中心";
        let v = verdict(v1, &sign(&key, v1), &public, None);
        assert!(v.valid, "{v:?}");
        assert_eq!(v.number, "S000111000001264000001");
        let unknown = v1.replace("certify-cert-v1", "other-v9");
        assert_eq!(verdict(&unknown, &sign(&key, &unknown), &public, None).status, "invalid");
    }
}
