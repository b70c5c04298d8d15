-- Practical-exam rubrics, by id, with every version kept (grades point at a version).
CREATE TABLE rubrics (
    id              TEXT PRIMARY KEY,
    current_version TEXT NOT NULL,
    category        TEXT NOT NULL,
    level_mask      INTEGER NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;

CREATE TABLE rubric_versions (
    rubric_id     TEXT NOT NULL REFERENCES rubrics (id),
    version       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    body          TEXT NOT NULL,  -- canonical JSON of the checked rubric
    imported_from TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (rubric_id, version)
) STRICT;

-- The tasks each candidate drew, with the seed that drew them.
CREATE TABLE draws (
    session_id TEXT NOT NULL,
    exam_no    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    rubric_id  TEXT NOT NULL,
    version    TEXT NOT NULL,
    category   TEXT NOT NULL,
    weight     REAL NOT NULL,
    seed       INTEGER NOT NULL,
    drawn_at   TEXT NOT NULL,
    PRIMARY KEY (session_id, exam_no, position),
    UNIQUE (session_id, exam_no, rubric_id),
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no),
    FOREIGN KEY (rubric_id, version) REFERENCES rubric_versions (rubric_id, version)
) STRICT;

-- Each examiner's scoring of one candidate's task. A re-entry by the same examiner
-- supersedes the earlier one (current = 0), which is kept.
CREATE TABLE grade_entries (
    id            INTEGER PRIMARY KEY,
    session_id    TEXT NOT NULL,
    exam_no       TEXT NOT NULL,
    rubric_id     TEXT NOT NULL,
    version       TEXT NOT NULL,
    examiner      TEXT NOT NULL,
    steps         TEXT NOT NULL,  -- JSON object: step id → points
    vetoes        TEXT NOT NULL,  -- JSON array of veto ids
    total         REAL NOT NULL,
    current       INTEGER NOT NULL DEFAULT 1,
    source        TEXT NOT NULL,  -- "交互录入" or file:row
    entered_by    TEXT NOT NULL,  -- the computer account that typed or imported it
    entered_at    TEXT NOT NULL,
    superseded_at TEXT,
    FOREIGN KEY (session_id, exam_no, rubric_id) REFERENCES draws (session_id, exam_no, rubric_id)
) STRICT;
CREATE UNIQUE INDEX grade_entries_in_force ON grade_entries (session_id, exam_no, rubric_id, examiner) WHERE current = 1;
CREATE INDEX grade_entries_by_session ON grade_entries (session_id) WHERE current = 1;

-- An arbiter's score for a task whose examiners disagreed.
CREATE TABLE grade_resolutions (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL,
    exam_no     TEXT NOT NULL,
    rubric_id   TEXT NOT NULL,
    score       REAL NOT NULL,
    examiner    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    current     INTEGER NOT NULL DEFAULT 1,
    resolved_at TEXT NOT NULL,
    FOREIGN KEY (session_id, exam_no, rubric_id) REFERENCES draws (session_id, exam_no, rubric_id)
) STRICT;
