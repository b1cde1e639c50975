"""Korean labels of the diagrams (boxes, arrows, captions inside the figure): English -> Korean.

The keys are the English strings the diagram code passes to :func:`course_lib.plotting.labels.tr`
(with ``{}`` where a number is filled in by ``.format``). The terms follow the glossary
(``book/appendix/glossary_terms.yml``: 은닉 상태, 셀 상태, 망각 게이트, 인코더, 문맥 벡터, ...) and
the Korean chapters' short forms (the gate names without 게이트 inside a gate box, 조각 for a chunk,
스텝 for a time step); mathematics (``$h_t$``) and code names (LayerNorm, MLP, GRU) stay as they are.
``tests/test_diagrams_ko.py`` checks that every diagram's English words have an entry here.
"""

KO: dict[str, str] = {
    "input": "입력",
    "output": "출력",
    # chapter 1: RNN types (course_lib.plotting.rnn), stacked and bidirectional RNNs
    "one-to-one": "일대일",
    "one-to-many": "일대다",
    "many-to-one": "다대일",
    "many-to-many (delayed)": "다대다 (지연형)",
    "many-to-many (synced)": "다대다 (동기형)",
    "layer {}": "{}층",
    "forward RNN (left to right)": "순방향 RNN (왼쪽에서 오른쪽)",
    "backward RNN (right to left)": "역방향 RNN (오른쪽에서 왼쪽)",
    # chapter 2: BPTT
    "full BPTT: the gradient of every $L_t$ flows back to $h_1$ ({} steps)":
        "전체 시간 역전파: 모든 $L_t$의 기울기가 $h_1$까지 거꾸로 흐른다 ({} 스텝)",
    "truncated BPTT, chunks of {}: the state is carried on, the gradient stops at each boundary":
        "절단된 시간 역전파, {} 스텝 조각: 상태는 이어지고, 기울기는 경계마다 멈춘다",
    "detach": "분리",
    "chunk {}": "조각 {}",
    "forward (values)": "순전파 (값)",
    "gradient": "기울기",
    # chapter 3: the LSTM cell
    "cell state: no matrix product": "셀 상태: 행렬 곱 없음",
    "forget": "망각",
    "candidate": "후보",
    "$h_t$ to the layer above": "$h_t$는 위층으로",
    r"each gate: $\sigma(W_{x\bullet} x_t + W_{h\bullet} h_{t-1} + b_\bullet)$, the candidate with tanh":
        r"각 게이트: $\sigma(W_{x\bullet} x_t + W_{h\bullet} h_{t-1} + b_\bullet)$, 후보는 tanh로",
    # chapter 4: the GRU cell
    "state: kept where $z_t \\approx 1$": "상태: $z_t \\approx 1$인 곳은 유지",
    "update": "업데이트",
    "reset": "리셋",
    r"gates: $\sigma(W_{i\bullet} x_t + b_{i\bullet} + W_{h\bullet} h_{t-1} + b_{h\bullet})$,"
    r" $\bullet \in \{r, z\}$ (PyTorch's form)":
        r"게이트: $\sigma(W_{i\bullet} x_t + b_{i\bullet} + W_{h\bullet} h_{t-1} + b_{h\bullet})$,"
        r" $\bullet \in \{r, z\}$ (PyTorch의 형태)",
    # chapter 5: encoder-decoder, beam search
    "encoder": "인코더",
    "(reads the source,\nno outputs)": "(소스를 읽고,\n출력은 없다)",
    "context vector": "문맥 벡터",
    "($H$ numbers)": "(숫자 $H$개)",
    r"trained to be $\langle$end$\rangle$": r"$\langle$end$\rangle$가 되도록 학습",
    "decoder": "디코더",
    r"inputs: the true $y_{t-1}$ in training (teacher forcing), its own $\hat y_{t-1}$ at test time":
        r"입력: 학습 때는 실제 $y_{t-1}$ (교사 강요), 테스트 때는 자신의 $\hat y_{t-1}$",
    "recurrent state": "순환 은닉 상태",
    "$c$ as input at every step": "매 스텝의 입력인 $c$",
    "greedy: {tokens}, no {end} in {n} steps": "탐욕적 탐색: {tokens}, {n} 스텝 안에 {end} 없음",
    "greedy: {tokens}": "탐욕적 탐색: {tokens}",
    "best: {tokens} (score {score:.2f})": "최선: {tokens} (점수 {score:.2f})",
    "step {}": "스텝 {}",
    "greedy path": "탐욕적 탐색 경로",
    "extension kept or finished": "유지되거나 끝난 확장",
    "pruned": "잘려 나감",
    # chapter 6: attention
    r"encoder states $\bar h_s$ (keys and values)": r"인코더 상태 $\bar h_s$ (키와 값)",
    "decoder state (query)": "디코더 상태 (질의)",
    r"softmax over $s$ (masked: $\alpha_{ts} = 0$ on padding)":
        r"$s$에 대한 소프트맥스 (마스크: 패딩에서 $\alpha_{ts} = 0$)",
    "score": "점수",
    "softmax": "소프트맥스",
    "weighted\nsum": "가중합",
    r"concat, $W_c$": r"이어 붙이기, $W_c$",
    "Bahdanau et al. (2015): attend, then step": "Bahdanau 외 (2015): 어텐션 후 스텝",
    "(their $s_{t-1}$)": "(논문의 $s_{t-1}$)",
    "score, softmax,\nweighted sum": "점수, 소프트맥스,\n가중합",
    "query": "질의",
    "GRU step": "GRU 스텝",
    r"$\hat y_t$ from $h_t, c_t, y_{t-1}$": r"$h_t, c_t, y_{t-1}$에서 $\hat y_t$",
    r"score: additive $v^\top \tanh(W_q h_{t-1} + W_k \bar h_s)$":
        r"점수: 덧셈형 $v^\top \tanh(W_q h_{t-1} + W_k \bar h_s)$",
    "Luong et al. (2015), this book: step, then attend": "Luong 외 (2015), 이 책: 스텝 후 어텐션",
    r"score$(h_t, \bar h_s)$: dot, general, or concat $v^\top \tanh(W_q h_t + W_k \bar h_s)$":
        r"점수$(h_t, \bar h_s)$: 내적, 일반, 또는 concat $v^\top \tanh(W_q h_t + W_k \bar h_s)$",
    # chapter 7: the Transformer
    "multi-head\nself-attention": "멀티헤드\n셀프 어텐션",
    "output (B, T, $d_{model}$)": "출력 (B, T, $d_{model}$)",
    "pre-LN (GPT-2, nanoGPT, course_lib default)": "pre-LN (GPT-2, nanoGPT, course_lib 기본값)",
    "post-LN (Vaswani et al. 2017)": "post-LN (Vaswani 외 2017)",
    r"split: view (B, T, $n_h$, $d_k$), transpose $\to$ (B, $n_h$, T, $d_k$)":
        r"헤드로 나누기: view (B, T, $n_h$, $d_k$), transpose $\to$ (B, $n_h$, T, $d_k$)",
    "head {}": "헤드 {}",
    r"head $n_h$": r"헤드 $n_h$",
    r"concat heads $\to$ (B, T, $d_{model}$)": r"헤드 이어 붙이기 $\to$ (B, T, $d_{model}$)",
    r"multi-head attention: $d_k = d_{model}/n_h$ per head": r"멀티헤드 어텐션: 헤드마다 $d_k = d_{model}/n_h$",
    r"source $x_1 \dots x_S$": r"소스 $x_1 \dots x_S$",
    r"embedding $\cdot\sqrt{d_{model}}$ + positions": r"임베딩 $\cdot\sqrt{d_{model}}$ + 위치 인코딩",
    r"encoder block $\times L$": r"인코더 블록 $\times L$",
    "self-attention\n(key-padding mask)": "셀프 어텐션\n(키 패딩 마스크)",
    r"encoder output $\bar H$  (B, S, $d_{model}$)": r"인코더 출력 $\bar H$  (B, S, $d_{model}$)",
    r"target shifted right: <bos> $y_1 \dots y_{T-1}$": r"오른쪽으로 민 타깃: <bos> $y_1 \dots y_{T-1}$",
    r"decoder block $\times L$": r"디코더 블록 $\times L$",
    "causal self-attention\n(query $t$ sees keys $\\leq t$)": "인과적 셀프 어텐션\n(질의 $t$는 키 $\\leq t$만 본다)",
    "cross-attention\nQ from the decoder, K, V from $\\bar H$": "교차 어텐션\nQ는 디코더에서, K, V는 $\\bar H$에서",
    "$K, V$ from $\\bar H$\n(source mask)": "$\\bar H$에서 온 $K, V$\n(소스 마스크)",
    r"LayerNorm, linear, softmax: $p(y_t \mid y_{<t}, x)$": r"LayerNorm, 선형, 소프트맥스: $p(y_t \mid y_{<t}, x)$",
    "each block adds its sub-layers to a residual stream with layer norms (figure (i))":
        "각 블록은 부분 층의 출력을 층 정규화와 함께 잔차 스트림에 더한다 (그림 (i))",
}
