-- Issued certificate records. The payload and signature are kept exactly as signed.
CREATE TABLE certificates (
    number         TEXT PRIMARY KEY,
    session_id     TEXT NOT NULL,
    exam_no        TEXT NOT NULL,
    level          TEXT NOT NULL,
    year           INTEGER NOT NULL,
    level_digit    INTEGER NOT NULL,
    serial         INTEGER NOT NULL,
    name           TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    theory         REAL NOT NULL,
    practical      REAL NOT NULL,
    issued         TEXT NOT NULL,  -- YYYY-MM-DD
    payload        TEXT NOT NULL,
    signature      TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
    revoked_reason TEXT,
    revoked_at     TEXT,
    created_at     TEXT NOT NULL,
    -- Serial numbers never repeat within a year and level, whatever runs at once.
    UNIQUE (year, level_digit, serial),
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;
CREATE INDEX certificates_by_candidate ON certificates (session_id, exam_no);
