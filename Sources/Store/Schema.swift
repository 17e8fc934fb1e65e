/// The store's schema as named, append-only migrations of raw SQL. A migration is never edited once
/// it has shipped; a change is a new entry at the end (`v2`, `v3`, …).
enum Schema {
    /// `PRAGMA application_id` of every Tollgate store: the bytes "TOLL".
    static let applicationID: Int32 = 0x544F_4C4C

    /// Value of the `meta` row `format`; a second mark beside the application id.
    static let formatName = "tollgate-store"

    static let migrations: [(identifier: String, sql: String)] = [("v1", v1), ("v2", v2), ("v3", v3), ("v4", v4), ("v5", v5), ("v6", v6), ("v7", v7), ("v8", v8)]

    static var knownIdentifiers: Set<String> { Set(migrations.map(\.identifier)) }

    private static let v1 = """
        PRAGMA application_id = \(applicationID);

        CREATE TABLE meta (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            value TEXT NOT NULL
        );
        INSERT INTO meta (key, value) VALUES ('format', '\(formatName)');

        CREATE TABLE model (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            architecture TEXT NOT NULL,
            quantization TEXT NOT NULL,
            parameter_count INTEGER NOT NULL,
            created_at DATETIME NOT NULL
        );

        CREATE TABLE adapter (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            format TEXT NOT NULL,
            rank INTEGER NOT NULL,
            alpha REAL NOT NULL,
            targets TEXT NOT NULL,
            created_at DATETIME NOT NULL
        );

        CREATE TABLE dataset (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            split TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            example_count INTEGER NOT NULL,
            created_at DATETIME NOT NULL,
            UNIQUE (name, split, sha256)
        );

        CREATE TABLE run (
            id INTEGER PRIMARY KEY,
            experiment TEXT,
            kind TEXT NOT NULL,
            command_line TEXT NOT NULL,
            config_json TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            git_commit TEXT,
            host TEXT NOT NULL,
            process_id INTEGER NOT NULL,
            threads INTEGER NOT NULL,
            started_at DATETIME NOT NULL,
            ended_at DATETIME,
            status TEXT NOT NULL
        );
        CREATE INDEX run_on_experiment ON run (experiment, started_at);
        CREATE INDEX run_on_started_at ON run (started_at);

        CREATE TABLE evaluation (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            model_id INTEGER NOT NULL REFERENCES model (id) ON DELETE RESTRICT,
            adapter_id INTEGER REFERENCES adapter (id) ON DELETE RESTRICT,
            dataset_id INTEGER NOT NULL REFERENCES dataset (id) ON DELETE RESTRICT,
            decoding_json TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at DATETIME NOT NULL,
            ended_at DATETIME
        );
        CREATE INDEX evaluation_on_run_id ON evaluation (run_id);
        CREATE INDEX evaluation_on_model_id ON evaluation (model_id);
        CREATE INDEX evaluation_on_adapter_id ON evaluation (adapter_id);
        CREATE INDEX evaluation_on_dataset_id ON evaluation (dataset_id);

        CREATE TABLE prediction (
            id INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluation (id) ON DELETE CASCADE,
            example_index INTEGER NOT NULL,
            example_id TEXT,
            prompt TEXT NOT NULL,
            output TEXT NOT NULL,
            references_json TEXT NOT NULL,
            scores_json TEXT NOT NULL,
            latency_seconds REAL NOT NULL,
            cpu_seconds REAL NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            from_cache BOOLEAN NOT NULL,
            UNIQUE (evaluation_id, example_index)
        );

        CREATE TABLE metric_result (
            id INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluation (id) ON DELETE CASCADE,
            metric TEXT NOT NULL,
            value REAL NOT NULL,
            ci_low REAL,
            ci_high REAL,
            signature TEXT NOT NULL,
            details_json TEXT NOT NULL,
            UNIQUE (evaluation_id, metric)
        );

        CREATE TABLE generation_cache (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            output TEXT NOT NULL,
            output_ids_json TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            seconds REAL NOT NULL,
            cpu_seconds REAL NOT NULL DEFAULT 0,
            created_at DATETIME NOT NULL
        );

        CREATE TABLE training_step (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            loss REAL NOT NULL,
            learning_rate REAL NOT NULL,
            tokens_per_second REAL NOT NULL,
            valid_loss REAL,
            UNIQUE (run_id, step)
        );

        CREATE TABLE checkpoint (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            adapter_path TEXT NOT NULL,
            adapter_sha256 TEXT NOT NULL,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX checkpoint_on_run_id ON checkpoint (run_id, step);

        CREATE TABLE gate_decision (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            decision TEXT NOT NULL,
            reasons_json TEXT NOT NULL,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX gate_decision_on_run_id ON gate_decision (run_id);
        """

    /// v2: the report of each gated run, kept as the JSON `tollgate report` renders again.
    private static let v2 = """
        CREATE TABLE report (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL UNIQUE REFERENCES run(id) ON DELETE CASCADE,
            body_json TEXT NOT NULL,
            created_at DATETIME NOT NULL
        );
        """

    /// v3: answers from endpoints. A prediction keeps the time to its first token, the retries it
    /// took, the finish reason, whether the server reported usage (token counts are 0 and not
    /// invented when it did not) and its price. A request that failed past its retries is a
    /// `request_failure`, never a prediction, so it is neither scored nor cached; a later run of the
    /// same evaluation retries it and removes the row when it is answered.
    private static let v3 = """
        ALTER TABLE prediction ADD COLUMN time_to_first_token_seconds REAL;
        ALTER TABLE prediction ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE prediction ADD COLUMN finish_reason TEXT;
        ALTER TABLE prediction ADD COLUMN usage_reported BOOLEAN NOT NULL DEFAULT 1;
        ALTER TABLE prediction ADD COLUMN cost_usd REAL;

        ALTER TABLE generation_cache ADD COLUMN finish_reason TEXT;
        ALTER TABLE generation_cache ADD COLUMN usage_reported BOOLEAN NOT NULL DEFAULT 1;

        CREATE TABLE request_failure (
            id INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluation (id) ON DELETE CASCADE,
            example_index INTEGER NOT NULL,
            example_id TEXT,
            kind TEXT NOT NULL,
            http_status INTEGER,
            message TEXT NOT NULL,
            retries INTEGER NOT NULL,
            created_at DATETIME NOT NULL,
            UNIQUE (evaluation_id, example_index)
        );
        """

    /// v4: retention. A pruned prediction keeps the SHA-256 of its prompt and output (filled when the
    /// text is pruned) and when that happened; a pruned report, when its quoted examples were blanked.
    private static let v4 = """
        ALTER TABLE prediction ADD COLUMN prompt_sha256 TEXT;
        ALTER TABLE prediction ADD COLUMN output_sha256 TEXT;
        ALTER TABLE prediction ADD COLUMN text_pruned_at DATETIME;
        ALTER TABLE report ADD COLUMN text_pruned_at DATETIME;
        CREATE INDEX evaluation_on_started_at ON evaluation (started_at);
        """

    /// v5: the validation set a run chose its checkpoint on (`training.valid`, or a split carved from
    /// the training data), with the hashes that identify it. 
    private static let v5 = """
        CREATE TABLE selection_split (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            origin TEXT NOT NULL,
            source_path TEXT NOT NULL,
            source_sha256 TEXT NOT NULL,
            valid_path TEXT NOT NULL,
            valid_sha256 TEXT NOT NULL,
            valid_count INTEGER NOT NULL,
            train_path TEXT NOT NULL,
            train_sha256 TEXT NOT NULL,
            train_count INTEGER NOT NULL,
            fraction REAL,
            seed INTEGER,
            stratified BOOLEAN NOT NULL,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX selection_split_on_run_id ON selection_split (run_id);
        """

    /// v6: sharded evaluation. A shard evaluates the examples whose index ≡ shard_index (mod
    /// shard_count) of the first total_examples; an evaluation with shard rows is complete when
    /// every one of those indices has a prediction. A merged evaluation keeps one row per shard run
    /// it took predictions from (run_id is that shard's run). scoring_json is how its metrics are
    /// computed (metrics, normalisation, resamples, CPU-hour price), so a merge can score again.
    private static let v6 = """
        CREATE TABLE evaluation_shard (
            id INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluation (id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            shard_index INTEGER NOT NULL,
            shard_count INTEGER NOT NULL,
            total_examples INTEGER NOT NULL,
            scoring_json TEXT NOT NULL,
            UNIQUE (evaluation_id, run_id, shard_index)
        );
        CREATE INDEX evaluation_shard_on_run_id ON evaluation_shard (run_id);
        """

    /// v7: routes. One row per member a route tried for an example, in route order: the member
    /// that answered (`answered`), a failure of the member's own (`failed`: its kind and status),
    /// or a failure a drill injected on the client side (`injected`), which is never a provider's
    /// error. `seconds` is the time spent on that member; `from_cache` marks answers the member's
    /// cached generation gave without a request.
    private static let v7 = """
        CREATE TABLE route_step (
            id INTEGER PRIMARY KEY,
            evaluation_id INTEGER NOT NULL REFERENCES evaluation (id) ON DELETE CASCADE,
            example_index INTEGER NOT NULL,
            position INTEGER NOT NULL,
            member TEXT NOT NULL,
            outcome TEXT NOT NULL,
            kind TEXT,
            http_status INTEGER,
            seconds REAL NOT NULL,
            from_cache BOOLEAN NOT NULL,
            UNIQUE (evaluation_id, example_index, position)
        );
        """

    /// v8 (judges): one row per judge call of an experiment's judges — the verdict read from the raw
    /// output (scored, with its value and label) or why none could be (unscored, never a pass or a
    /// fail). The call itself is prediction `call_index` of the judge's own evaluation (`judge_evaluation_id`,
    /// cached under the judge's identity, its full request and the judged text); `judged_evaluation_id`
    /// is the evaluation whose answer was judged (null for a calibration answer written by people).
    /// position: single, ab (baseline shown first), ba (candidate first) or calibration.
    private static let v8 = """
        CREATE TABLE judge_verdict (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            judge TEXT NOT NULL,
            judge_evaluation_id INTEGER NOT NULL REFERENCES evaluation (id) ON DELETE CASCADE,
            call_index INTEGER NOT NULL,
            judged_evaluation_id INTEGER REFERENCES evaluation (id) ON DELETE CASCADE,
            example_index INTEGER NOT NULL,
            example_id TEXT,
            position TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('scored', 'unscored')),
            value REAL,
            label TEXT,
            unscored_reason TEXT,
            raw_output TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            UNIQUE (judge_evaluation_id, call_index)
        );
        CREATE INDEX judge_verdict_on_run_id ON judge_verdict (run_id);
        CREATE INDEX judge_verdict_on_judged_evaluation_id ON judge_verdict (judged_evaluation_id);
        """
}
