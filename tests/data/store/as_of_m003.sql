BEGIN TRANSACTION;
CREATE TABLE _migrations (
	name VARCHAR(128) NOT NULL, 
	applied DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "_migrations" VALUES('m001_initial','2026-02-04 12:00:00.000000');
INSERT INTO "_migrations" VALUES('m002_artifacts_reading_list_state','2026-02-04 12:00:00.000000');
INSERT INTO "_migrations" VALUES('m003_indexes','2026-02-04 12:00:00.000000');
CREATE TABLE announcements (
	date DATE NOT NULL, 
	arxiv_id VARCHAR(64) NOT NULL, 
	category VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	announce_type VARCHAR(16) NOT NULL, 
	PRIMARY KEY (date, arxiv_id, category)
);
INSERT INTO "announcements" VALUES('2026-02-04','2602.04883','cs.LG',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04883','cs.AI',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04883','q-bio.BM',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04883','q-bio.QM',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04877','cs.CV',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04876','cs.CV',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04870','cs.LG',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04868','cs.LG',1,'new');
INSERT INTO "announcements" VALUES('2026-02-04','2602.04868','cs.AI',1,'new');
CREATE TABLE artifacts (
	kind VARCHAR(32) NOT NULL, 
	"key" VARCHAR(255) NOT NULL, 
	value JSON NOT NULL, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (kind, "key")
);
INSERT INTO "artifacts" VALUES('highlights','k','{"text": "\u4eca\u65e5\u770b\u70b9"}','2026-11-29 15:08:47.925968');
CREATE TABLE deliveries (
	date DATE NOT NULL, 
	channel VARCHAR(255) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error TEXT, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (date, channel)
);
INSERT INTO "deliveries" VALUES('2026-02-04','email','sent',1,NULL,'2026-11-29 15:08:47.924526');
CREATE TABLE digests (
	date DATE NOT NULL, 
	language VARCHAR(8) NOT NULL, 
	body JSON NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (date, language)
);
INSERT INTO "digests" VALUES('2026-02-04','zh','{"date": "2026-02-04", "language": "zh", "entries": [{"number": 1, "paper": {"arxiv_id": "2602.04883", "version": 1, "title": "Protein Autoregressive Modeling via Multiscale Structure Generation", "authors": ["Yanru Qu", "Cheng-Yen Hsieh", "Zaixiang Zheng", "Ge Liu", "Quanquan Gu"], "abstract": "We present protein autoregressive modeling (PAR), the first multi-scale autoregressive framework for protein backbone generation via coarse-to-fine next-scale prediction. Using the hierarchical nature of proteins, PAR generates structures that mimic sculpting a statue, forming a coarse topology and refining structural details over scales. To achieve this, PAR consists of three key components: (i) multi-scale downsampling operations that represent protein structures across multiple scales during training; (ii) an autoregressive transformer that encodes multi-scale information and produces conditional embeddings to guide structure generation; (iii) a flow-based backbone decoder that generates backbone atoms conditioned on these embeddings. Moreover, autoregressive models suffer from exposure bias, caused by the training and the generation procedure mismatch, and substantially degrades structure generation quality. We effectively alleviate this issue by adopting noisy context learning and scheduled sampling, enabling robust backbone generation. Notably, PAR exhibits strong zero-shot generalization, supporting flexible human-prompted conditional generation and motif scaffolding without requiring fine-tuning. On the unconditional generation benchmark, PAR effectively learns protein distributions and produces backbones of high design quality, and exhibits favorable scaling behavior. Together, these properties establish PAR as a promising framework for protein structure generation.", "categories": ["cs.LG", "cs.AI", "q-bio.BM", "q-bio.QM"], "primary_category": "cs.LG", "published": "2026-02-04T18:59:49Z", "updated": "2026-02-04T18:59:49Z", "comment": null, "journal_ref": null, "doi": null, "announce_type": "new", "announced": "2026-02-04"}, "summary": {"arxiv_id": "2602.04883", "version": 1, "tldr": "\u4e00\u53e5\u8bdd \ud83d\ude80 $\\alpha$", "motivation": null, "method": null, "conclusion": null, "keywords": ["k"], "score": 80, "score_reason": null, "language": "zh", "backend": "llm", "model": "m", "prompt_version": "p1", "tokens_in": 0, "tokens_out": 0, "cost": 0.0, "status": "ok", "error": null, "created": "2026-02-04T12:00:00Z"}, "reason": null, "enrichment": null}, {"number": 2, "paper": {"arxiv_id": "2602.04877", "version": 1, "title": "CoWTracker: Tracking by Warping instead of Correlation", "authors": ["Zihang Lai", "Eldar Insafutdinov", "Edgar Sucar", "Andrea Vedaldi"], "abstract": "Dense point tracking is a fundamental problem in computer vision, with applications ranging from video analysis to robotic manipulation. State-of-the-art trackers typically rely on cost volumes to match features across frames, but this approach incurs quadratic complexity in spatial resolution, limiting scalability and efficiency. In this paper, we propose \\method, a novel dense point tracker that eschews cost volumes in favor of warping. Inspired by recent advances in optical flow, our approach iteratively refines track estimates by warping features from the target frame to the query frame based on the current estimate. Combined with a transformer architecture that performs joint spatiotemporal reasoning across all tracks, our design establishes long-range correspondences without computing feature correlations. Our model is simple and achieves state-of-the-art performance on standard dense point tracking benchmarks, including TAP-Vid-DAVIS, TAP-Vid-Kinetics, and Robo-TAP. Remarkably, the model also excels at optical flow, sometimes outperforming specialized methods on the Sintel, KITTI, and Spring benchmarks. These results suggest that warping-based architectures can unify dense point tracking and optical flow estimation.", "categories": ["cs.CV"], "primary_category": "cs.CV", "published": "2026-02-04T18:58:59Z", "updated": "2026-02-04T18:58:59Z", "comment": null, "journal_ref": null, "doi": null, "announce_type": "new", "announced": "2026-02-04"}, "summary": null, "reason": null, "enrichment": null}, {"number": 3, "paper": {"arxiv_id": "2602.04876", "version": 1, "title": "PerpetualWonder: Long-Horizon Action-Conditioned 4D Scene Generation", "authors": ["Jiahao Zhan", "Zizhang Li", "Hong-Xing Yu", "Jiajun Wu"], "abstract": "We introduce PerpetualWonder, a hybrid generative simulator that enables long-horizon, action-conditioned 4D scene generation from a single image. Current works fail at this task because their physical state is decoupled from their visual representation, which prevents generative refinements to update the underlying physics for subsequent interactions. PerpetualWonder solves this by introducing the first true closed-loop system. It features a novel unified representation that creates a bidirectional link between the physical state and visual primitives, allowing generative refinements to correct both the dynamics and appearance. It also introduces a robust update mechanism that gathers supervision from multiple viewpoints to resolve optimization ambiguity. Experiments demonstrate that from a single image, PerpetualWonder can successfully simulate complex, multi-step interactions from long-horizon actions, maintaining physical plausibility and visual consistency.", "categories": ["cs.CV"], "primary_category": "cs.CV", "published": "2026-02-04T18:58:55Z", "updated": "2026-02-04T18:58:55Z", "comment": null, "journal_ref": null, "doi": null, "announce_type": "new", "announced": "2026-02-04"}, "summary": null, "reason": null, "enrichment": null}], "stats": {"announced": {}, "fetched": {}, "announced_total": 0, "fetched_total": 0, "candidates": 0, "selected": 0, "summarized": 0, "failed": 0, "skipped": 0, "tokens_in": 0, "tokens_out": 0, "cost": 0.0, "backend": "extractive", "model": "extractive", "prompt_version": "none", "timings": {}}, "no_announcement": false, "no_announcement_reason": null, "highlights": "- \u4eca\u65e5 [1]", "generated": null, "source": "sample", "warnings": []}','2026-11-29 15:08:47.925248');
CREATE TABLE llm_log (
	id INTEGER NOT NULL, 
	created DATETIME NOT NULL, 
	run_id INTEGER, 
	paper_ids TEXT NOT NULL, 
	model VARCHAR(128) NOT NULL, 
	prompt_version VARCHAR(32) NOT NULL, 
	prompt TEXT NOT NULL, 
	response TEXT, 
	status VARCHAR(16) NOT NULL, 
	error TEXT, 
	tokens_in INTEGER NOT NULL, 
	tokens_out INTEGER NOT NULL, 
	latency_ms FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "llm_log" VALUES(1,'2026-11-29 15:08:47.921183',NULL,'2602.04883','m','p1','prompt','{}','ok',NULL,0,0,0.0);
CREATE TABLE papers (
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	title TEXT NOT NULL, 
	authors JSON NOT NULL, 
	abstract TEXT NOT NULL, 
	categories JSON NOT NULL, 
	primary_category VARCHAR(64), 
	published DATETIME, 
	updated DATETIME, 
	comment TEXT, 
	journal_ref TEXT, 
	doi VARCHAR(255), 
	stored_at DATETIME NOT NULL, 
	PRIMARY KEY (arxiv_id, version)
);
INSERT INTO "papers" VALUES('2602.04883',1,'Protein Autoregressive Modeling via Multiscale Structure Generation','["Yanru Qu", "Cheng-Yen Hsieh", "Zaixiang Zheng", "Ge Liu", "Quanquan Gu"]','We present protein autoregressive modeling (PAR), the first multi-scale autoregressive framework for protein backbone generation via coarse-to-fine next-scale prediction. Using the hierarchical nature of proteins, PAR generates structures that mimic sculpting a statue, forming a coarse topology and refining structural details over scales. To achieve this, PAR consists of three key components: (i) multi-scale downsampling operations that represent protein structures across multiple scales during training; (ii) an autoregressive transformer that encodes multi-scale information and produces conditional embeddings to guide structure generation; (iii) a flow-based backbone decoder that generates backbone atoms conditioned on these embeddings. Moreover, autoregressive models suffer from exposure bias, caused by the training and the generation procedure mismatch, and substantially degrades structure generation quality. We effectively alleviate this issue by adopting noisy context learning and scheduled sampling, enabling robust backbone generation. Notably, PAR exhibits strong zero-shot generalization, supporting flexible human-prompted conditional generation and motif scaffolding without requiring fine-tuning. On the unconditional generation benchmark, PAR effectively learns protein distributions and produces backbones of high design quality, and exhibits favorable scaling behavior. Together, these properties establish PAR as a promising framework for protein structure generation.','["cs.LG", "cs.AI", "q-bio.BM", "q-bio.QM"]','cs.LG','2026-02-04 18:59:49.000000','2026-02-04 18:59:49.000000',NULL,NULL,NULL,'2026-11-29 15:08:47.917290');
INSERT INTO "papers" VALUES('2602.04877',1,'CoWTracker: Tracking by Warping instead of Correlation','["Zihang Lai", "Eldar Insafutdinov", "Edgar Sucar", "Andrea Vedaldi"]','Dense point tracking is a fundamental problem in computer vision, with applications ranging from video analysis to robotic manipulation. State-of-the-art trackers typically rely on cost volumes to match features across frames, but this approach incurs quadratic complexity in spatial resolution, limiting scalability and efficiency. In this paper, we propose \method, a novel dense point tracker that eschews cost volumes in favor of warping. Inspired by recent advances in optical flow, our approach iteratively refines track estimates by warping features from the target frame to the query frame based on the current estimate. Combined with a transformer architecture that performs joint spatiotemporal reasoning across all tracks, our design establishes long-range correspondences without computing feature correlations. Our model is simple and achieves state-of-the-art performance on standard dense point tracking benchmarks, including TAP-Vid-DAVIS, TAP-Vid-Kinetics, and Robo-TAP. Remarkably, the model also excels at optical flow, sometimes outperforming specialized methods on the Sintel, KITTI, and Spring benchmarks. These results suggest that warping-based architectures can unify dense point tracking and optical flow estimation.','["cs.CV"]','cs.CV','2026-02-04 18:58:59.000000','2026-02-04 18:58:59.000000',NULL,NULL,NULL,'2026-11-29 15:08:47.917298');
INSERT INTO "papers" VALUES('2602.04876',1,'PerpetualWonder: Long-Horizon Action-Conditioned 4D Scene Generation','["Jiahao Zhan", "Zizhang Li", "Hong-Xing Yu", "Jiajun Wu"]','We introduce PerpetualWonder, a hybrid generative simulator that enables long-horizon, action-conditioned 4D scene generation from a single image. Current works fail at this task because their physical state is decoupled from their visual representation, which prevents generative refinements to update the underlying physics for subsequent interactions. PerpetualWonder solves this by introducing the first true closed-loop system. It features a novel unified representation that creates a bidirectional link between the physical state and visual primitives, allowing generative refinements to correct both the dynamics and appearance. It also introduces a robust update mechanism that gathers supervision from multiple viewpoints to resolve optimization ambiguity. Experiments demonstrate that from a single image, PerpetualWonder can successfully simulate complex, multi-step interactions from long-horizon actions, maintaining physical plausibility and visual consistency.','["cs.CV"]','cs.CV','2026-02-04 18:58:55.000000','2026-02-04 18:58:55.000000',NULL,NULL,NULL,'2026-11-29 15:08:47.917300');
INSERT INTO "papers" VALUES('2602.04870',1,'Multi-Head LatentMoE and Head Parallel: Communication-Efficient and Deterministic MoE Parallelism','["Chenwei Cui", "Rockwell Jackson", "Benjamin Joseph Herrera", "Ana Mar\u00eda T\u00e1rano", "Hannah Kerner"]','Large language models have transformed many applications but remain expensive to train. Sparse Mixture of Experts (MoE) addresses this through conditional computation, with Expert Parallel (EP) as the standard distributed training method. However, EP has three limitations: communication cost grows linearly with the number of activated experts $k$, load imbalance affects latency and memory usage, and data-dependent communication requires metadata exchange. We propose Multi-Head LatentMoE and Head Parallel (HP), a new architecture and parallelism achieving $O(1)$ communication cost regardless of $k$, completely balanced traffic, and deterministic communication, all while remaining compatible with EP. To accelerate Multi-Head LatentMoE, we propose IO-aware routing and expert computation. Compared to MoE with EP, Multi-Head LatentMoE with HP trains up to $1.61\times$ faster while having identical performance. With doubled granularity, it achieves higher overall performance while still being $1.11\times$ faster. Our method makes multi-billion-parameter foundation model research more accessible.','["cs.LG"]','cs.LG','2026-02-04 18:57:19.000000','2026-02-04 18:57:19.000000',NULL,NULL,NULL,'2026-11-29 15:08:47.917301');
INSERT INTO "papers" VALUES('2602.04868',1,'CRoSS: A Continual Robotic Simulation Suite for Scalable Reinforcement Learning with High Task Diversity and Realistic Physics Simulation','["Yannick Denker", "Alexander Gepperth"]','Continual reinforcement learning (CRL) requires agents to learn from a sequence of tasks without forgetting previously acquired policies. In this work, we introduce a novel benchmark suite for CRL based on realistically simulated robots in the Gazebo simulator. Our Continual Robotic Simulation Suite (CRoSS) benchmarks rely on two robotic platforms: a two-wheeled differential-drive robot with lidar, camera and bumper sensor, and a robotic arm with seven joints. The former represent an agent in line-following and object-pushing scenarios, where variation of visual and structural parameters yields a large number of distinct tasks, whereas the latter is used in two goal-reaching scenarios with high-level cartesian hand position control (modeled after the Continual World benchmark), and low-level control based on joint angles. For the robotic arm benchmarks, we provide additional kinematics-only variants that bypass the need for physical simulation (as long as no sensor readings are required), and which can be run two orders of magnitude faster. CRoSS is designed to be easily extensible and enables controlled studies of continual reinforcement learning in robotic settings with high physical realism, and in particular allow the use of almost arbitrary simulated sensors. To ensure reproducibility and ease of use, we provide a containerized setup (Apptainer) that runs out-of-the-box, and report performances of standard RL algorithms, including Deep Q-Networks (DQN) and policy gradient methods. This highlights the suitability as a scalable and reproducible benchmark for CRL research.','["cs.LG", "cs.AI"]','cs.LG','2026-02-04 18:54:26.000000','2026-02-04 18:54:26.000000',NULL,NULL,NULL,'2026-11-29 15:08:47.917302');
CREATE TABLE reading_list (
	item_id VARCHAR(255) NOT NULL, 
	source VARCHAR(32) NOT NULL, 
	title TEXT NOT NULL, 
	text TEXT NOT NULL, 
	arxiv_id VARCHAR(64), 
	added DATETIME NOT NULL, 
	PRIMARY KEY (item_id)
);
INSERT INTO "reading_list" VALUES('arxiv:1','bibtex','T','x','1706.03762','2026-11-29 15:08:47.926501');
CREATE TABLE runs (
	id INTEGER NOT NULL, 
	date DATE NOT NULL, 
	started DATETIME NOT NULL, 
	finished DATETIME, 
	status VARCHAR(16) NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	summarizer VARCHAR(32) NOT NULL, 
	stats JSON, 
	error TEXT, 
	PRIMARY KEY (id)
);
INSERT INTO "runs" VALUES(1,'2026-02-04','2026-11-29 15:08:47.922057','2026-11-29 15:08:47.922725','ok','sample','llm','{"papers": 5}',NULL);
CREATE TABLE state (
	"key" VARCHAR(255) NOT NULL, 
	value TEXT NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "state" VALUES('oai:token','abc','2026-11-29 15:08:47.927218');
CREATE TABLE summaries (
	arxiv_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	model VARCHAR(128) NOT NULL, 
	prompt_version VARCHAR(32) NOT NULL, 
	language VARCHAR(8) NOT NULL, 
	backend VARCHAR(32) NOT NULL, 
	tldr TEXT, 
	motivation TEXT, 
	method TEXT, 
	conclusion TEXT, 
	keywords JSON NOT NULL, 
	score INTEGER, 
	score_reason TEXT, 
	tokens_in INTEGER NOT NULL, 
	tokens_out INTEGER NOT NULL, 
	cost FLOAT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	error TEXT, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (arxiv_id, version, model, prompt_version, language)
);
INSERT INTO "summaries" VALUES('2602.04883',1,'m','p1','zh','llm','一句话 🚀 $\alpha$',NULL,NULL,NULL,'["k"]',80,NULL,0,0,0.0,'ok',NULL,'2026-02-04 12:00:00.000000');
CREATE INDEX ix_announcements_arxiv_id ON announcements (arxiv_id);
CREATE INDEX ix_llm_log_created ON llm_log (created);
COMMIT;
