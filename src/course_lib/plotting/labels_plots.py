"""Korean labels of the result plots (axis titles, legends, titles): English -> Korean.

Keys are the English text exactly as the plotting code passes it to
:func:`course_lib.plotting.labels.tr`; a key with ``{fields}`` is a template that the caller fills
with ``.format(...)`` after translating, so the Korean word order may differ from the English.
Terms follow the glossary (``book/appendix/glossary_terms.yml``) and the Korean chapters
(학습 training, 검증 validation, 스텝 step, 파라미터 parameters, 기울기 gradient, 어텐션 attention,
토큰 정확도 token accuracy, 교차 엔트로피 cross-entropy, 덧셈 문제 adding problem, 복사 과제 copy task,
망각 편향 forget bias, 우연 수준 chance). Model and library names (RNN, LSTM, GRU, seq2seq, GPT,
nanoGPT, course_lib) stay in Latin letters, as in the Korean text.
"""

KO: dict[str, str] = {
    # common axis labels
    "step": "스텝",
    "training step": "학습 스텝",
    "training step (batch of {batch})": "학습 스텝 (배치 크기 {batch})",
    "training time (s)": "학습 시간 (초)",
    "training time per 100 steps (s)": "100 스텝당 학습 시간 (초)",
    ", same load": ", 같은 부하",
    "training time (s, log scale; see each run's machine in the table)":
        "학습 시간 (초, 로그 눈금; 실행별 기기는 표 참고)",
    "loss (nats / char)": "손실 (문자당 nat)",
    "validation loss (nats / char)": "검증 손실 (문자당 nat)",
    "validation loss (nats/char, 20 batches)": "검증 손실 (문자당 nat, 배치 20개)",
    "validation cross-entropy (nats/char)": "검증 교차 엔트로피 (문자당 nat)",
    "cross-entropy (nats/char)": "교차 엔트로피 (문자당 nat)",
    "training cross-entropy": "학습 교차 엔트로피",
    "training loss (nats per token)": "학습 손실 (토큰당 nat)",
    "validation MSE": "검증 MSE",
    "token accuracy (%)": "토큰 정확도 (%)",
    "test accuracy": "테스트 정확도",
    "source length (characters)": "소스 길이 (문자 수)",
    "source": "소스",
    "output": "출력",
    "hidden unit": "은닉 유닛",
    # legends
    "train (smoothed)": "학습 (평활)",
    "train (per batch)": "학습 (배치별)",
    "val": "검증",
    "validation": "검증",
    "bigram": "바이그램",
    "uniform_lnV": "균등 분포 ln V",
    "chance": "우연 수준",
    "{model} ({n} params)": "{model} (파라미터 {n}개)",
    "{model} ({n:,} params)": "{model} (파라미터 {n:,}개)",
    "{model}, {n:,} params": "{model}, 파라미터 {n:,}개",
    " {n:,d} params": " 파라미터 {n:,d}개",
    "{cell} (best {loss:.3f})": "{cell} (최저 {loss:.3f})",
    "{model}: {loss} at {time:.0f} s": "{model}: {time:.0f}초에 {loss}",
    # chapter 2: character language model, gradient norms
    "rnn char LM": "RNN 문자 수준 언어 모델",
    "lstm char LM": "LSTM 문자 수준 언어 모델",
    "gru char LM": "GRU 문자 수준 언어 모델",
    "distance $T - t$ from the loss": "손실로부터의 거리 $T - t$",
    "{activation} RNN": "{activation} RNN",
    "linear": "선형",
    "tanh": "tanh",
    # chapter 3: LSTM steps, gradient flow
    "{step} step": "{step} 단계",
    "forget": "망각",
    "input": "입력",
    "cell": "셀 상태",
    "distance T - t (steps)": "거리 T - t (스텝)",
    "Gradient flow over {T} steps (untrained cells, same inputs)":
        "{T} 스텝에 걸친 기울기 흐름 (학습 전 셀, 같은 입력)",
    "LSTM, forget bias {bias}": "LSTM, 망각 편향 {bias}",
    r"$\|\partial c_T/\partial c_t\|_F$  or  $\|\partial h_T/\partial h_t\|_F$":
        r"$\|\partial c_T/\partial c_t\|_F$  또는  $\|\partial h_T/\partial h_t\|_F$",
    "RNN (tanh)": "RNN (tanh)",
    # chapter 4: adding problem
    "Adding problem, T = {T}": "덧셈 문제, T = {T}",
    "baseline: predict 1 (MSE = 1/6)": "기준선: 항상 1 예측 (MSE = 1/6)",
    "goal: MSE = 0.01": "목표: MSE = 0.01",
    "Gradient reaching step 1 relative to step T = {T}": "스텝 1에 닿는 기울기 (스텝 T = {T} 대비)",
    # chapters 5-6: bottleneck
    "seq2seq": "seq2seq",
    "seq2seq + attention": "seq2seq + 어텐션",
    "copy": "복사",
    "{task} task: accuracy against length": "{task} 과제: 길이에 따른 정확도",
    "seq2seq, {steps:,} steps": "seq2seq, {steps:,} 스텝",
    "seq2seq + attention, {steps:,} steps": "seq2seq + 어텐션, {steps:,} 스텝",
    "More training for the plain model": "기본 모델을 더 오래 학습",
    "Plain seq2seq: training loss": "기본 seq2seq: 학습 손실",
    # chapter 7: dates, long context, GPT
    "attention RNN (GRU, general score; chapter 6)": "어텐션 RNN (GRU, general 점수; 6장)",
    "encoder-decoder Transformer (pre-LN)": "인코더-디코더 트랜스포머 (Pre-LN)",
    "the same Transformer, embeddings started at N(0, 1)": "같은 트랜스포머, 임베딩 초기값 N(0, 1)",
    "dates -> ISO: same data, same steps": "날짜 -> ISO: 같은 데이터, 같은 스텝 수",
    "recall after {steps} steps": "{steps} 스텝 학습 후 회상 정확도",
    "cost of one step (batch of {})": "스텝 한 번의 비용 (배치 크기 {})",
    "time per training step (ms)": "학습 스텝당 시간 (ms)",
    "sequence length T (distance to the marked symbol: 3T/4 to T)":
        "시퀀스 길이 T (표시된 기호까지의 거리: 3T/4 ~ T)",
    "Transformer": "트랜스포머",
    "RNN": "RNN",
    "LSTM": "LSTM",
    "course_lib GPT": "course_lib GPT",
    "course_lib GPT, seed {seed}": "course_lib GPT, 시드 {seed}",
    "nanoGPT, run beside it, seed {seed}": "nanoGPT (같은 기기에서 실행), 시드 {seed}",
    "nanoGPT reference {reference}": "nanoGPT 기준값 {reference}",
    "nanoGPT best val {reference}": "nanoGPT 최저 검증 손실 {reference}",
    # figures the chapters' notebooks draw live (chapters 2 and 7)
    "gradient $g$": "기울기 $g$",
    "clipped by norm": "노름으로 클리핑",
    "clipped by value": "값으로 클리핑",
    "dimension i": "차원 i",
    "position t": "위치 t",
    "sinusoidal positional encoding": "사인파 위치 인코딩",
    "dim {d} ({fn})": "차원 {d} ({fn})",
    "low dimensions oscillate fast, high ones slowly": "낮은 차원은 빠르게, 높은 차원은 느리게 진동한다",
    "head {i}": "헤드 {i}",
    "key (attended)": "키 (주의 대상)",
    "query": "질의",
    "unscaled": "스케일 없음",
    r"scaled by $1/\sqrt{d_k}$": r"$1/\sqrt{d_k}$로 스케일",
    "mean largest weight (64 keys)": "가장 큰 가중치의 평균 (키 64개)",
}
