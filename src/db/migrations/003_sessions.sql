-- An exam sitting (考试批次).
CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    level          TEXT NOT NULL,
    date           TEXT NOT NULL,  -- YYYY-MM-DD
    site           TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL DEFAULT '',
    practical_plan TEXT,           -- TOML text of the practical plan, if given
    created_at     TEXT NOT NULL
) STRICT;

-- Registered candidates. The ID number is stored in full (it is shown masked).
CREATE TABLE candidates (
    session_id    TEXT NOT NULL REFERENCES sessions (id),
    exam_no       TEXT NOT NULL,
    name          TEXT NOT NULL,
    id_number     TEXT NOT NULL,
    school        TEXT NOT NULL DEFAULT '',
    extra         TEXT NOT NULL DEFAULT '{}',  -- JSON: other columns of the imported file
    paper_id      TEXT REFERENCES papers (id),
    imported_from TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (session_id, exam_no),
    UNIQUE (session_id, id_number)
) STRICT;

-- The papers (forms) a session uses, in the order they are dealt.
CREATE TABLE session_papers (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    paper_id   TEXT NOT NULL REFERENCES papers (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (session_id, paper_id)
) STRICT;

-- Scored theory answer sheets. A replaced sheet stays, with current = 0.
CREATE TABLE sheets (
    id            INTEGER PRIMARY KEY,
    session_id    TEXT NOT NULL,
    exam_no       TEXT NOT NULL,
    paper_id      TEXT NOT NULL REFERENCES papers (id),
    responses     TEXT NOT NULL,  -- normalised answers by position, joined with ',' ("" = omitted)
    scores        TEXT NOT NULL,  -- points by position, joined with ','
    total         REAL NOT NULL,
    current       INTEGER NOT NULL DEFAULT 1,
    imported_from TEXT NOT NULL,
    source_row    INTEGER,
    scored_at     TEXT NOT NULL,
    replaced_at   TEXT,
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;
CREATE UNIQUE INDEX sheets_in_force ON sheets (session_id, exam_no) WHERE current = 1;
CREATE INDEX sheets_by_paper ON sheets (paper_id);

-- Key corrections: the paper's key is updated in paper_items; the old key stays here.
CREATE TABLE key_changes (
    id         INTEGER PRIMARY KEY,
    paper_id   TEXT NOT NULL REFERENCES papers (id),
    position   INTEGER NOT NULL,
    old_answer TEXT NOT NULL,
    new_answer TEXT NOT NULL,
    reason     TEXT NOT NULL,
    changed_at TEXT NOT NULL
) STRICT;
