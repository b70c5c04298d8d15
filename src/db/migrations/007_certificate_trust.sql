-- One valid certificate per person and level, enforced by the database itself, so no
-- code path and no number of concurrent issuers can create a second one.
--
-- Workspaces made before this rule may hold duplicates from concurrent issuing: the
-- earliest certificate of each person and level stays valid, the later ones are revoked
-- with a reason that says why, and the records themselves are kept.
UPDATE certificates
SET status = 'revoked',
    revoked_reason = '重复签发：此人已有同等级更早签发的有效证书（数据库升级时自动撤销）',
    revoked_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
WHERE status = 'valid'
  AND EXISTS (
      SELECT 1 FROM certificates AS earlier
      WHERE earlier.status = 'valid'
        AND earlier.id_number = certificates.id_number
        AND earlier.level = certificates.level
        AND (earlier.created_at, earlier.number) < (certificates.created_at, certificates.number)
  );

CREATE UNIQUE INDEX one_valid_certificate_per_person_and_level
    ON certificates (id_number, level) WHERE status = 'valid';

-- And one per candidate of a session: a corrected ID number must not open a way to a
-- second certificate for the same sitting (the remedy is `certificates reissue`).
CREATE UNIQUE INDEX one_valid_certificate_per_candidate
    ON certificates (session_id, exam_no) WHERE status = 'valid';

-- A reissued certificate names the one it replaces (`certificates reissue`).
ALTER TABLE certificates ADD COLUMN replaces TEXT REFERENCES certificates (number);
