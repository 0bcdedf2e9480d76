"""Japanese translations of the command line's messages, keyed by the English text.

See ``i18n``: the code says ``_("English text {placeholder}")``; this dict gives the
Japanese text for each English text, with the same ``{placeholders}``. To add a
message, wrap it in ``_()`` where it is shown and add its translation here, under the
module that uses it; ``tests/test_i18n.py`` lists every message that lacks one.
Style: です・ます調, the book's terms (学習, 検証, トークナイザ, 文脈長, ...), flags
and file names as they are. Help texts go through argparse, which formats ``%``:
write no bare ``%``.
"""

JA = {
    # amp.py
    "--dtype float16 (the GPUs before Ampere compute in it natively) or --dtype float32":
        "--dtype float16（Ampere より前の GPU はこれをネイティブに計算します）か --dtype float32",
    "--dtype bfloat16: the {name} (compute capability {major}.{minor}) has no bfloat16 "
    "arithmetic, only a slow emulation; use {use}":
        "--dtype bfloat16: {name}（compute capability {major}.{minor}）には bfloat16 の演算がな"
        "く、遅いエミュレーションしかありません。{use} を使ってください",
    # assets.py
    "Check the URL, or update llms-from-scratch if it is the package's.":
        "URL を確かめるか、パッケージの URL ならば llms-from-scratch を更新してください。",
    "download {url}":
        "{url} をダウンロードし",
    "To work offline, {what} on a machine with internet and place it at {dest}":
        "オフラインで使うには、インターネットにつながるマシンで {what}、{dest} に置いてください",
    "the connection was refused (no network, or the server is down)":
        "接続を拒否されました（ネットワークがないか、サーバが止まっています）",
    "The bad download was deleted; run the command again (if it happens again, the file changed "
    "upstream or a proxy alters it).":
        "壊れたダウンロードは削除しました。コマンドをもう一度実行してください（また起きるときは、"
        "配布元でファイルが変わったか、プロキシが中身を書き換えています）。",
    "{err} {name} needs all of its {total} files; missing ({count}, URL -> where it goes): "
    "{listing}":
        "{err} {name} には {total} 個のファイルがすべて必要です。足りないもの（{count} 個。URL "
        "-> 置き場所）: {listing}",
    ", extract {zip_member} from the zip,":
        "zip から {zip_member} を取り出して",
    " (SHA-256 {sha256})":
        "（SHA-256 {sha256}）",
    "free some space or choose a writable folder (${cache_env_var}), then run again (the "
    "download resumes from the bytes kept)":
        "空きを作るか、書き込めるフォルダ（${cache_env_var}）を選んでから、もう一度実行してくだ"
        "さい（ダウンロードは受け取った分から再開します）",
    "the server answered HTTP {code} {reason}":
        "サーバが HTTP {code} {reason} を返しました",
    "Check the internet connection (and proxy settings) and run the command again{resume}.":
        "インターネット接続（とプロキシの設定）を確かめて、コマンドをもう一度実行してください"
        "{resume}。",
    "could not download {url}: {reason}. {advice} {hint}.":
        "{url} をダウンロードできませんでした: {reason}。{advice}{hint}。",
    "Run the command again.":
        "コマンドをもう一度実行してください。",
    " (the file is not, or no longer, at that address)":
        "（ファイルがそのアドレスにないか、もうありません）",
    "the host name {host} cannot be resolved ({one_line}); there may be no network connection, "
    "or the DNS does not answer":
        "ホスト名 {host} を解決できません（{one_line}）。ネットワークにつながっていないか、DNS "
        "が応答していません",
    "the server did not answer within {timeout:g} s (timed out)":
        "サーバが {timeout:g} 秒以内に応答しませんでした（タイムアウト）",
    "the connection closed before the end of the file ({expected} more bytes were expected)":
        "ファイルの終わりの前に接続が切れました（あと {expected} バイト届くはずでした）",
    " (the {kept:,} bytes received so far are kept in {part} and the download resumes from "
    "there)":
        "（ここまでに受け取った {kept:,} バイトは {part} に残してあり、ダウンロードはそこから再"
        "開します）",
    "not a valid URL":
        "正しい URL ではありません",
    "the file arrived with SHA-256 {actual}, expected {sha256}":
        "届いたファイルの SHA-256 が {actual} でした（想定は {sha256}）",
    "the download is not a readable zip archive":
        "ダウンロードしたファイルが読める zip アーカイブではありません",
    "{member} in {archive} has an unexpected SHA-256; the file changed upstream or the download "
    "is corrupt. The archive was deleted; run the command again.":
        "{archive} の中の {member} の SHA-256 が想定と違います。配布元でファイルが変わったか、ダ"
        "ウンロードが壊れています。アーカイブは削除しました。コマンドをもう一度実行してください。",
    "{dest} exists but its SHA-256 is not {sha256}; delete it and run again to download a fresh "
    "copy":
        "{dest} はありますが、SHA-256 が {sha256} ではありません。削除してからもう一度実行すると、"
        "新しくダウンロードします",
    "the server redirects in a loop or too often (HTTP {code}); the address is broken on the "
    "server's side":
        "サーバのリダイレクトがループしているか多すぎます（HTTP {code}）。サーバ側でアドレスが壊"
        "れています",
    "Free some disk space or choose a writable folder, then run again.":
        "ディスクの空きを作るか、書き込めるフォルダを選んでから、もう一度実行してください。",
    "cannot create the folder {parent} for {url} ({one_line}); set ${cache_env_var} (or the "
    "folder argument) to a writable folder":
        "{url} のためのフォルダ {parent} を作れません（{one_line}）。${cache_env_var}（またはフ"
        "ォルダの引数）を書き込めるフォルダにしてください",
    "{url!r} is not a valid http(s) URL ({one_line}); check the address":
        "{url!r} は正しい http(s) の URL ではありません（{one_line}）。アドレスを確かめてくださ"
        "い",
    "cannot download {url} into {parent}: {reason}; choose a writable folder (${cache_env_var}) "
    "or place the file there by hand":
        "{url} を {parent} にダウンロードできません: {reason}。書き込めるフォルダを選ぶ（"
        "${cache_env_var}）か、ファイルを手でそこに置いてください",
    "{url} arrived with SHA-256 {actual}, expected {sha256}. {advice} {hint}.":
        "{url} の SHA-256 が {actual} でした（想定は {sha256}）。{advice}{hint}。",
    "cannot store {url} at {dest} ({one_line}); remove what is in the way or choose another "
    "folder":
        "{url} を {dest} に保存できません（{one_line}）。じゃまになっているものを取り除くか、別"
        "のフォルダを選んでください",
    "the download {archive} is not a readable zip archive ({one_line}); it was deleted, run the "
    "command again":
        "ダウンロードした {archive} が読める zip アーカイブではありません（{one_line}）。削除し"
        "たので、コマンドをもう一度実行してください",
    "{member} in the archive has an unexpected SHA-256":
        "アーカイブの中の {member} の SHA-256 が想定と違います",
    "could not download {url}: {reason}. {advice}{hint}.":
        "{url} をダウンロードできませんでした: {reason}。{advice}{hint}。",
    "could not save {url}: {err}":
        "{url} を保存できませんでした: {err}",
    "cannot create the folder {parent}":
        "フォルダ {parent} を作れません",
    "Set ${cache_env_var} to a writable folder.":
        "${cache_env_var} を書き込めるフォルダにしてください。",
    "the folder {parent} cannot be written ({reason})":
        "フォルダ {parent} に書き込めません（{reason}）",
    "Choose a writable folder (${cache_env_var}).":
        "書き込めるフォルダを選んでください（${cache_env_var}）。",
    "cannot store the file at {dest}":
        "{dest} にファイルを保存できません",
    "{archive} has no member {member}; the archive changed upstream. Please report this.":
        "{archive} に {member} が入っていません。配布元でアーカイブが変わりました。お手数ですが"
        "報告してください。",
    # bench.py
    "bf16 rows left out: this {kind} has no native bfloat16 arithmetic":
        "bf16 の行は省きました: この {kind} は bfloat16 をネイティブに演算できません",
    "The command sets THP_MEM_ALLOC_ENABLE=1 (unless set): on Linux PyTorch then backs large "
    "tensors with huge pages, which saves the page faults of each training step's fresh "
    "gradients and logits; and with glibc it keeps freed memory in the process for reuse "
    "(llms_from_scratch.cpu_memory).":
        "このコマンドは THP_MEM_ALLOC_ENABLE=1 を設定します（設定済みならそのまま）。Linux では "
        "PyTorch が大きなテンソルにヒュージページを使うので、学習ステップごとに新しく作る勾配と"
        "ロジットのページフォールトが減ります。また glibc では、解放したメモリをプロセスの中に残"
        "して使い回します（llms_from_scratch.cpu_memory）。",
    "also write every measurement to PATH as JSON":
        "すべての計測値を JSON で PATH にも書き出す",
    "a tiny config and one repetition: checks that everything runs (seconds), the numbers mean "
    "nothing":
        "小さな設定で 1 回だけ実行し、すべてが動くことを確かめる（数秒。数値に意味はありません）",
    "timed repetitions per row after the warm-up (default: 3)":
        "ウォームアップのあとに時間を計る、1 行あたりの回数（既定: 3）",
    "cpu, cuda, cuda:N or mps (default: the best available, or $LLMS_FROM_SCRATCH_DEVICE)":
        "cpu、cuda、cuda:N、mps のどれか（既定: 使える中で最良のもの、または "
        "$LLMS_FROM_SCRATCH_DEVICE）",
    "skip the Hugging Face transformers rows":
        "Hugging Face transformers の行を省く",
    "measure only the training or only the generation table (default: both)":
        "学習の表か生成の表の一方だけを計る（既定: 両方）",
    "instead: training step and decoding time for context 128 to 1024 and the 124M and 355M "
    "shapes, ours beside transformers (much longer than the default run; --quick: seconds)":
        "代わりに、文脈長 128〜1024 と 124M・355M の形で、学習ステップとデコードの時間を "
        "transformers と並べて計る（既定の実行よりずっと長くかかります。--quick なら数秒）",
    "\n"
    "(total {wall_seconds:.0f} s)":
        "\n"
        "（合計 {wall_seconds:.0f} 秒）",
    "device: {device} - {device_name}, torch {torch}, {threads} threads; float32, random weights":
        "デバイス: {device} - {device_name}、torch {torch}、{threads} スレッド。float32、ランダ"
        "ムな重み",
    "(total {wall_seconds:.0f} s)":
        "（合計 {wall_seconds:.0f} 秒）",
    "--sweep measures its own rows; leave out --only":
        "--sweep は自分の行を計ります。--only を外してください",
    "matmul peak {label} ...":
        "行列積のピーク性能 {label} ...",
    "train {name} {precision} {head} {adamw} AdamW ...":
        "学習 {name} {precision} {head} {adamw} AdamW ...",
    "  {seconds:.3f} s/step, {tok_s:.1f} tokens/s":
        "  {seconds:.3f} 秒/ステップ、{tok_s:.1f} トークン/秒",
    "--reps must be at least 1, got {reps}":
        "--reps は 1 以上にしてください（{reps} が指定されました）",
    "--json {path} is a folder; give a file name, e.g. {path2}":
        "--json {path} はフォルダです。ファイル名を指定してください（例: {path2}）",
    "--json {path}: cannot write into {parent}; give a path in a folder you can write to":
        "--json {path}: {parent} に書き込めません。書き込めるフォルダの中のパスを指定してくださ"
        "い",
    # bench_generate.py
    "copy bandwidth ...":
        "メモリのコピー帯域 ...",
    "  {gb_s:.1f} GB/s (read + written)":
        "  {gb_s:.1f} GB/秒（読み込み + 書き込み）",
    "generation (greedy, batch 1)":
        "生成（貪欲法、バッチ 1）",
    "method":
        "方法",
    "precision":
        "精度",
    "seconds":
        "秒",
    "tokens/s":
        "トークン/秒",
    "MB/token":
        "MB/トークン",
    "of bw":
        "帯域比",
    "generate side by side, {precision}: {runs} ...":
        "生成を並べて計測、{precision}: {runs} ...",
    "of bw: how close a row comes to the memory's limit: the weight bytes read per token x "
    "tokens/s, divided by the copy bandwidth {gb_s:.1f} GB/s (bytes read + written by one large "
    "tensor copy); generating one token reads every weight once.":
        "帯域比: メモリの速さの限界にどこまで近いか。1 トークンあたりに読む重みのバイト数 × トー"
        "クン/秒 を、コピーの帯域 {gb_s:.1f} GB/秒（大きなテンソルを 1 回コピーしたときの読み込"
        "み + 書き込みのバイト数）で割った値です。1 トークンを生成するたびに、すべての重みを 1 "
        "回読みます。",
    "the command's rows decode with {tokenizer}":
        "コマンドの行は {tokenizer} でデコードしています",
    # bench_report.py
    "vs GPTModel: tokens/s divided by that of the book's GPTModel (float32, fused AdamW) with "
    "the same head; tied: the output head shares the token embedding's weights.":
        "GPTModel 比: トークン/秒を、同じヘッドの本書の GPTModel（float32、fused AdamW）の値で割"
        "ったもの。共有: 出力ヘッドがトークン埋め込みの重みを共有（重み共有）。",
    "What the numbers mean:":
        "数値の読み方:",
    "--quick: a tiny model and one run each; the numbers only show that everything works, not "
    "how fast this machine is.":
        "--quick: 小さなモデルで 1 回ずつ実行しただけです。数値はすべてが動くことを示すだけで、"
        "このマシンの速さは表しません。",
    "tied":
        "共有",
    "untied":
        "別",
    "transformers is not installed, so Hugging Face's GPT-2 is missing from the tables; to "
    "compare with it: pip install transformers":
        "transformers が入っていないので、Hugging Face の GPT-2 の行は表にありません。比べるには"
        ": pip install transformers",
    "bf16 rows left out: this CPU has no native bfloat16 arithmetic (AVX512_BF16 or AMX); "
    "emulated, it runs many times slower than float32":
        "bf16 の行は省きました: この CPU には bfloat16 の演算命令（AVX512_BF16 または AMX）があ"
        "りません。エミュレーションでは float32 の何倍も遅くなります",
    "Measured on {device} ({device_name}), torch {torch}, {threads} threads.":
        "計測した環境: {device}（{device_name}）、torch {torch}、{threads} スレッド。",
    "The model has GPT-2's shape ({n_layers} layers, width {emb_dim}, vocabulary {vocab_size}) "
    "with random weights; a training step takes {batch} windows of {context} tokens (forward, "
    "backward, AdamW with lr 1e-4 and weight decay 0.1: fused, or in the rows marked foreach "
    "PyTorch's default as in chapter 5's loop); generation is greedy, one text at a time. Each "
    "time is the median of {train_reps} (training) / {gen_reps} (generation) runs after a "
    "warm-up run.":
        "モデルは GPT-2 の形（{n_layers} 層、幅 {emb_dim}、語彙 {vocab_size}）で、重みはランダム"
        "です。学習の 1 ステップは {context} トークンの窓 {batch} 個（順伝播、逆伝播、学習率 "
        "1e-4・重み減衰 0.1 の AdamW。fused の行は融合版、foreach の行は第5章のループと同じ "
        "PyTorch の既定）、生成は貪欲法で 1 つずつです。どの時間も、ウォームアップを 1 回したあ"
        "との {train_reps} 回（学習）/ {gen_reps} 回（生成）の中央値です。",
    "training step":
        "学習ステップ",
    "head":
        "ヘッド",
    "s/step":
        "秒/ステップ",
    "vs GPTModel":
        "GPTModel 比",
    "GPTModelFast trains {ratio:.2f}x as fast as the book's GPTModel: the same computation and "
    "weights, with fused kernels.":
        "GPTModelFast の学習は本書の GPTModel の {ratio:.2f} 倍の速さです。計算も重みも同じで、"
        "融合したカーネルを使っています。",
    "bfloat16 autocast changes GPTModelFast's training speed by {ratio:.2f}x against float32 on "
    "this device.":
        "このデバイスでは、bfloat16 の autocast で GPTModelFast の学習の速さが float32 の "
        "{ratio:.2f} 倍になります。",
    "GPTModelFast trains {ratio:.2f}x as fast as Hugging Face's GPT-2 (transformers).":
        "GPTModelFast の学習は Hugging Face の GPT-2（transformers）の {ratio:.2f} 倍の速さです。",
    "The KV cache makes generation {ratio:.1f}x as fast: each step runs only the new token "
    "instead of the whole text so far.":
        "KV キャッシュを使うと生成が {ratio:.1f} 倍速くなります。各ステップで、それまでのテキス"
        "ト全体ではなく新しいトークンだけを計算するからです。",
    # bench_sweep.py
    "sweep {size}, context {context}: training steps ...":
        "スイープ {size}、文脈長 {context}: 学習ステップ ...",
    "sweep {size}, context {context}: decoding ...":
        "スイープ {size}、文脈長 {context}: デコード ...",
    # bpe_tokenizer.py
    "no tokenizer file at {path}; check the path":
        "トークナイザのファイル {path} がありません。パスを確かめてください",
    "cannot read the tokenizer {path} ({error}); is it a tokenizer.json of Hugging Face "
    "tokenizers?":
        "トークナイザ {path} を読めません（{error}）。Hugging Face tokenizers の tokenizer.json で"
        "すか?",
    "{path} is not a byte-level BPE with {eot} (as train_bpe_tokenizer writes); train one with "
    "--tokenizer bpe:SIZE":
        "{path} は {eot} を持つバイトレベル BPE（train_bpe_tokenizer が書くもの）ではありません。"
        "--tokenizer bpe:SIZE で学習してください",
    # check.py
    "native":
        "ネイティブ",
    "emulated only (slow): use --dtype float16 on this GPU":
        "エミュレーションのみ（遅い）: この GPU では --dtype float16 を使ってください",
    "works":
        "動く",
    "does not work":
        "動かない",
    "results on this device are wrong; update torch (and macOS for MPS) or run the book on the "
    "CPU with LLMS_FROM_SCRATCH_DEVICE=cpu":
        "このデバイスの結果は正しくありません。torch（MPS なら macOS も）を更新するか、"
        "LLMS_FROM_SCRATCH_DEVICE=cpu として本を CPU で実行してください",
    "none cached (chapter 5 downloads them on demand)":
        "キャッシュにはありません（第5章が必要になったときにダウンロードします）",
    "MPS (the default macOS wheel)":
        "MPS（macOS の既定のホイール）",
    "nothing to switch: macOS has no CUDA build":
        "切り替えるものはありません: macOS には CUDA 版がありません",
    "torch build":
        "torch のビルド",
    "native (AVX512_BF16 or AMX): --dtype bfloat16 pays off":
        "ネイティブ（AVX512_BF16 または AMX）: --dtype bfloat16 が速くなります",
    "emulated (no AVX512_BF16 or AMX): keep float32 on this CPU":
        "エミュレーション（AVX512_BF16 も AMX もない）: この CPU では float32 のままにしてくださ"
        "い",
    "native or emulated: unknown":
        "ネイティブかエミュレーションか: 不明",
    "this torch build has no CUDA (a CPU build); see setup/README.md":
        "この torch のビルドには CUDA がありません（CPU 版）。setup/README.md を見てください",
    "no NVIDIA GPU or driver found":
        "NVIDIA の GPU かドライバが見つかりません",
    "automatic choice":
        "自動で選択",
    "self-test {device}":
        "自己テスト {device}",
    "max |logits diff| {logit_diff:.1e}, max |gradient diff| {grad_diff:.1e} (float32 on "
    "{device} vs float64 on cpu; tolerance {tolerance:.0e})":
        "ロジットの差の最大値 {logit_diff:.1e}、勾配の差の最大値 {grad_diff:.1e}（{device} の "
        "float32 と cpu の float64 の比較。許容誤差 {tolerance:.0e}）",
    "GPT-2 weights":
        "GPT-2 の重み",
    "the requirements file to compare with (default: the repository's requirements.txt when run "
    "from a checkout, else the package's own dependencies)":
        "比べる requirements ファイル（既定: リポジトリから実行したときはその requirements.txt、"
        "そうでなければパッケージ自身の依存パッケージ）",
    "never probe the download URLs (files that are not cached then FAIL)":
        "ダウンロード先の URL に問い合わせない（キャッシュにないファイルは FAIL になります）",
    "Devices":
        "デバイス",
    "Numerical self-test: a tiny GPT's forward and backward pass":
        "数値の自己テスト: 小さな GPT の順伝播と逆伝播",
    "Downloads":
        "ダウンロード",
    "Check that this machine is ready for the book: package versions, devices, a numerical "
    "self-test and the downloads.":
        "このマシンで本を進める準備ができているかを確かめます: パッケージのバージョン、デバイス、"
        "数値の自己テスト、ダウンロード。",
    "for the CPU build: {switch} (setup/README.md)":
        "CPU 版にするには: {switch}（setup/README.md）",
    "for an NVIDIA GPU: {switch} (pick the CUDA version that nvidia-smi allows, setup/README.md)":
        "NVIDIA の GPU を使うには: {switch}（CUDA のバージョンは nvidia-smi が許すものを選んでく"
        "ださい。setup/README.md）",
    "available (Apple silicon)":
        "使えます（Apple シリコン）",
    " (on MPS, try PYTORCH_ENABLE_MPS_FALLBACK=1)":
        "（MPS では PYTORCH_ENABLE_MPS_FALLBACK=1 を試してください）",
    "cached: {sizes}":
        "キャッシュ済み: {sizes}",
    "Python and packages (from {source})":
        "Python とパッケージ（{source} と比較）",
    "torch is not installed; the remaining checks need it.":
        "torch が入っていません。残りのチェックには torch が必要です。",
    " ({n_warned} warning(s))":
        "（警告 {n_warned} 件）",
    "Everything the book needs is here{note}.":
        "本に必要なものはすべてそろっています{note}。",
    "for the smaller CPU build: {switch} (setup/README.md)":
        "小さい CPU 版にするには: {switch}（setup/README.md）",
    "{build}, torch {version}; {switch}":
        "{build}、torch {version}。{switch}",
    "{cpu_count} cores, torch uses {get_num_threads} threads, instruction set {capability}, "
    "bfloat16 matmul {bf16}, {native}":
        "{cpu_count} コア、torch は {get_num_threads} スレッドを使用、命令セット {capability}、"
        "bfloat16 の行列積は{bf16}、{native}",
    "{name}, {memory:.1f} GiB, CUDA {cuda}, bf16 {bf16_gpu}":
        "{name}、{memory:.1f} GiB、CUDA {cuda}、bf16 {bf16_gpu}",
    "not available (needs Apple silicon and macOS 12.3+)":
        "使えません（Apple シリコンと macOS 12.3 以降が必要です）",
    "not available (macOS only)":
        "使えません（macOS のみ）",
    "cached":
        "キャッシュ済み",
    "not cached yet; reachable, so it is downloaded on first use (or now: `llms-from-scratch "
    "download --all`)":
        "まだキャッシュにありませんが、ダウンロードできます。最初に使うときに取得します（今すぐ"
        "なら `llms-from-scratch download --all`）",
    "largest allowed difference in the self-test (default: {default_tolerance:g})":
        "自己テストで許す最大の差（既定: {default_tolerance:g}）",
    "seconds for the URL probes, at most {probe_timeout:g} (the default)":
        "URL の問い合わせの秒数。最大で {probe_timeout:g}（既定）",
    "--tolerance must be a positive number, got {tolerance}":
        "--tolerance は正の数にしてください（{tolerance} が指定されました）",
    "--timeout must be a positive number of seconds, got {timeout}":
        "--timeout は正の秒数にしてください（{timeout} が指定されました）",
    "{n_failed} check(s) FAILED: {failed}. See setup/README.md (troubleshooting).":
        "{n_failed} 件のチェックが FAIL でした: {failed}。setup/README.md（トラブルシューティン"
        "グ）を見てください。",
    "not available ({why})":
        "使えません（{why}）",
    "the forward/backward pass raised: {text}{hint}":
        "順伝播・逆伝播でエラーになりました: {text}{hint}",
    "no requirements file at {path}; give an existing file, or leave out --requirements":
        "requirements ファイル {path} がありません。あるファイルを指定するか、--requirements を"
        "外してください",
    "{prog}: error: {err}":
        "{prog}: エラー: {err}",
    "extract {member} from {url} to {path}":
        "{url} から {member} を取り出して {path} に置く",
    "place {url} at {path}":
        "{url} を {path} に置く",
    "not cached (network probe skipped); run `llms-from-scratch download --all`, or {where}":
        "キャッシュにありません（ネットワークへの問い合わせは省略）。`llms-from-scratch "
        "download --all` を実行するか、{where}",
    "not cached and not reachable ({reason}); on a machine with internet run `llms-from-scratch "
    "download --all`, or {where}":
        "キャッシュになく、ダウンロードもできません（{reason}）。インターネットにつながるマシン"
        "で `llms-from-scratch download --all` を実行するか、{where}",
    "GPT-2 BPE loads ({n_vocab} tokens; 'Hello, world.' -> {ids})":
        "GPT-2 の BPE を読み込めます（{n_vocab} トークン。'Hello, world.' -> {ids}）",
    "cannot read the requirements file {path} ({err}); give a readable UTF-8 file":
        "requirements ファイル {path} を読めません（{err}）。読める UTF-8 のファイルを指定してく"
        "ださい",
    "cached files do not load: {err}":
        "キャッシュのファイルを読み込めません: {err}",
    # checkpoint.py
    "not a zip":
        "zip ではありません",
    "{key} ({type}, not {kind})":
        "{key}（{kind} ではなく {type}）",
    "the weights became NaN or Inf by step {step} (in {where}), so they were not saved and {path} "
    "keeps the last good state; lower --lr (or use --dtype float32) and continue with --resume":
        "ステップ {step} までに重みが NaN か Inf になった（{where}）ので保存せず、{path} には最後"
        "の正常な状態を残しました。--lr を下げて（または --dtype float32 を使って）、--resume で続"
        "けてください",
    "the checkpoint written for {path} did not read back intact ({reason}); the previous "
    "checkpoint was kept: check the disk, then continue with --resume":
        "{path} 用に書いたチェックポイントを読み戻すと壊れていました（{reason}）。前のチェックポイ"
        "ントは残してあります: ディスクを確かめてから、--resume で続けてください",
    "the checkpoint {path} is damaged: {reason}; it was left in place and not used: restore it "
    "from a copy, or {start_over}":
        "チェックポイント {path} が壊れています: {reason}。ファイルはそのまま残し、使っていませ"
        "ん。コピーから戻すか、{start_over}",
    "the checkpoint {path} holds NaN or Inf in {where}; it was left in place and not used: "
    "restore it from a copy, or {start_over}":
        "チェックポイント {path} の {where} に NaN か Inf があります。ファイルはそのまま残し、使っ"
        "ていません。コピーから戻すか、{start_over}",
    "the GPT-2 weights in {where} hold NaN or Inf in {bad}; they are damaged: delete the file and "
    "let it be downloaded again":
        "{where} の GPT-2 の重みの {bad} に NaN か Inf があります。重みが壊れています: ファイルを"
        "削除して、もう一度ダウンロードさせてください",
    "the checkpoint {path} is damaged: {reason}; it was left in place and not used: save it "
    "again, or copy it again from a good copy":
        "チェックポイント {path} が壊れています: {reason}。ファイルはそのまま残し、使っていませ"
        "ん。保存し直すか、正常なコピーからもう一度コピーしてください",
    "the model {spec} holds NaN or Inf in {where}; it was left in place and not used: the file is "
    "damaged, or it was saved after training diverged (train again with a lower learning rate)":
        "モデル {spec} の {where} に NaN か Inf があります。ファイルはそのまま残し、使っていません"
        ": ファイルが壊れているか、学習が発散したあとに保存されています（学習率を下げて学習し直し"
        "てください）",
    "start a new run in another --out-dir (or delete the file)":
        "別の --out-dir で新しい実行を始めてください（またはファイルを削除してください）",
    "it holds Python objects that a safe load (weights_only=True) refuses, so it was not loaded "
    "and nothing in it ran; do not trust a file you did not write, and save only tensors, "
    "dicts, lists, numbers and strings, e.g. {\"config\": cfg, \"model\": model.state_dict()}":
        "安全な読み込み（weights_only=True）が受け付けない Python のオブジェクトが入っているので、"
        "読み込まず、中身も何も実行していません。自分で書いていないファイルは信用せず、テンソル、"
        "辞書、リスト、数値、文字列だけを保存してください（例: {\"config\": cfg, \"model\": "
        "model.state_dict()}）",
    "no checkpoint at {path}; check --out-dir, or leave out --resume to start a new run":
        "{path} にチェックポイントがありません。--out-dir を確かめるか、--resume を外して新しい"
        "実行を始めてください",
    "the checkpoint {path} is empty (0 bytes), e.g. from a full disk; {start_over}":
        "チェックポイント {path} が空（0 バイト）です。ディスクがいっぱいだったのかもしれません。"
        "{start_over}",
    "{path} is not a checkpoint of {prog} (no format {checkpoint_format!r}); {start_over}":
        "{path} は {prog} のチェックポイントではありません（形式 {checkpoint_format!r} がありま"
        "せん）。{start_over}",
    "the checkpoint {path} lacks {missing}; {start_over}":
        "チェックポイント {path} に {missing} がありません。{start_over}",
    "the checkpoint {path} is damaged: {wrong}; {start_over}":
        "チェックポイント {path} が壊れています: {wrong}。{start_over}",
    "{path} holds no model state_dict":
        "{path} にモデルの state_dict がありません",
    "note: the checkpoint was written by {n_states} process(es), this run has {world_size}; the "
    "batches differ from an uninterrupted run":
        "注意: チェックポイントは {n_states} 個のプロセスで書かれ、この実行は {world_size} 個で"
        "す。バッチは中断しなかった場合とは違うものになります",
    "the config {path} must hold a JSON object (the GPTModel config dict)":
        "設定 {path} は JSON のオブジェクト（GPTModel の設定の辞書）にしてください",
    "the checkpoint {path} is empty (0 bytes); save it again":
        "チェックポイント {path} が空（0 バイト）です。もう一度保存してください",
    "it is not a file written by torch.save, or it is truncated or corrupt; save it again":
        "torch.save で書かれたファイルではないか、途中で切れているか壊れています。もう一度保存し"
        "てください",
    "{path} is not a checkpoint of this GPTModel config ({detail})":
        "{path} はこの GPTModel の設定のチェックポイントではありません（{detail}）",
    "{path} holds no state_dict; save one with torch.save({{\"config\": cfg, \"model\": "
    "model.state_dict()}}, path)":
        "{path} に state_dict がありません。torch.save({{\"config\": cfg, \"model\": "
        "model.state_dict()}}, path) で保存してください",
    "{path} holds no config; give --config (a JSON file with the model config, or a GPT-2 "
    "size), or save {{\"config\": cfg, \"model\": model.state_dict()}}":
        "{path} に設定がありません。--config（モデルの設定の JSON ファイルか GPT-2 のサイズ）を"
        "指定するか、{{\"config\": cfg, \"model\": model.state_dict()}} の形で保存してください",
    "{path} is a folder without a checkpoint (hparams.json with model.ckpt.*, or "
    "model.safetensors)":
        "{path} はチェックポイントのないフォルダです（hparams.json と model.ckpt.*、または "
        "model.safetensors が必要です）",
    "cannot write the checkpoint {path} ({strerror}); free some disk space or choose another "
    "--out-dir":
        "チェックポイント {path} を書き込めません（{strerror}）。ディスクの空きを作るか、別の "
        "--out-dir を選んでください",
    "cannot read the checkpoint {path} ({error}); it is truncated, corrupt or not written by "
    "{prog}: {start_over}":
        "チェックポイント {path} を読めません（{error}）。途中で切れているか、壊れているか、"
        "{prog} が書いたものではありません: {start_over}",
    "{path} does not fit its model config: {strip}":
        "{path} がモデルの設定に合いません: {strip}",
    "the optimizer state in {path} does not fit the model: {one_line}; {start_over}":
        "{path} のオプティマイザの状態がモデルに合いません: {one_line}。{start_over}",
    "cannot read the config {path}: {one_line}":
        "設定 {path} を読めません: {one_line}",
    "bad model config for {where}: {one_line}; fix the config (or give --config)":
        "{where} のモデルの設定が正しくありません: {one_line}。設定を直してください（または "
        "--config を指定してください）",
    "{where} does not fit its config: {one_line}":
        "{where} が設定に合いません: {one_line}",
    "{path}: {one_line} (with --config)":
        "{path}: {one_line}（--config を使用）",
    "cannot read the checkpoint {path}: {strerror}; check the path and its permissions":
        "チェックポイント {path} を読めません: {strerror}。パスと権限を確かめてください",
    "cannot read the checkpoint {path}: {reason}":
        "チェックポイント {path} を読めません: {reason}",
    "{path}: {key} has shape {tuple} but the config needs {tuple2}; is the config right?":
        "{path}: {key} の形は {tuple} ですが、設定では {tuple2} になります。設定は正しいですか?",
    "--model {spec!r}: no such file, and not a GPT-2 size ({gpt2_sizes})":
        "--model {spec!r}: そのファイルはなく、GPT-2 のサイズ（{gpt2_sizes}）でもありません",
    "the checkpoint {path} holds Python objects that a safe load (weights_only=True) refuses, "
    "so it was not loaded and nothing in it ran; it was not written by {prog}: do not trust it, "
    "{start_over}":
        "チェックポイント {path} には、安全な読み込み（weights_only=True）が受け付けない Python "
        "のオブジェクトが入っているので、読み込まず、中身も何も実行していません。{prog} が書いた"
        "ものではありません。信用せずに、{start_over}",
    "the random number states in {path} are damaged ({error}); {start_over}":
        "{path} の乱数の状態が壊れています（{error}）。{start_over}",
    "--config {value!r} is neither a JSON file nor a GPT-2 size ({gpt2_sizes})":
        "--config {value!r} は JSON ファイルでも GPT-2 のサイズ（{gpt2_sizes}）でもありません",
    "it is truncated or corrupt ({error}); save it again":
        "途中で切れているか壊れています（{error}）。もう一度保存してください",
    # cli.py
    "models:\n"
    "  A GPT-2 size (124M, 355M, 774M, 1558M, also written gpt2-124M) uses OpenAI's\n"
    "  weights. When `llms-from-scratch download gpt2-124M` has fetched OpenAI's\n"
    "  TensorFlow checkpoint and TensorFlow is installed, that is read; otherwise\n"
    "  Hugging Face's model.safetensors of the same weights is fetched with\n"
    "  huggingface_hub (no TensorFlow needed): into --models-dir when given, else\n"
    "  into your Hugging Face cache (HF_HOME); HF_HUB_OFFLINE=1 works offline.\n"
    "\n"
    "  A path may name:\n"
    "  - a .pth file written by torch.save({\"config\": cfg, \"model\": model.state_dict()},\n"
    "    path), where cfg is the GPTModel config dict (the recommended format); an\n"
    "    entry \"tokenizer\": {\"kind\": \"char\", \"chars\": \"...\"} (or {\"kind\": "
    "\"gpt2\"})\n"
    "    names its tokenizer, as in the ckpt.pt that `llms-from-scratch train` writes;\n"
    "  - a .pth file holding a plain state_dict, or the book's training checkpoint\n"
    "    {\"model_state_dict\": ..., \"optimizer_state_dict\": ...}, together with\n"
    "    --config (a JSON file with the config dict, or a GPT-2 size);\n"
    "  - a .safetensors file of a GPT-2 in Hugging Face's layout (--config is\n"
    "    needed when its width is not a GPT-2 size and no config.json lies beside it);\n"
    "  - a folder with an OpenAI-layout TensorFlow checkpoint (hparams.json,\n"
    "    model.ckpt.*).\n"
    "\n"
    "The weights are copied into GPTModelFast (--dtype float32 or bfloat16) and the\n"
    "continuation is generated with a KV cache: the prompt runs once, then each step\n"
    "runs one new token. It streams to stdout as it is generated and stops at\n"
    "<|endoftext|>; a newline is added at the end. Progress and errors go to stderr.\n":
        "モデル:\n"
        "  GPT-2 のサイズ（124M、355M、774M、1558M。gpt2-124M とも書けます）は OpenAI の重みを\n"
        "  使います。`llms-from-scratch download gpt2-124M` で OpenAI の TensorFlow のチェック\n"
        "  ポイントを取得済みで TensorFlow が入っていれば、それを読みます。そうでなければ、同じ"
        "重み\n"
        "  の Hugging Face の model.safetensors を huggingface_hub で取得します（TensorFlow は不"
        "要）。\n"
        "  置き場所は --models-dir を指定すればそこ、なければ Hugging Face のキャッシュ（"
        "HF_HOME）\n"
        "  です。HF_HUB_OFFLINE=1 ならオフラインで動きます。\n"
        "\n"
        "  パスには次のものを指定できます:\n"
        "  - torch.save({\"config\": cfg, \"model\": model.state_dict()}, path) で書いた .pth フ"
        "ァイル。\n"
        "    cfg は GPTModel の設定の辞書です（おすすめの形式）。\"tokenizer\": {\"kind\": "
        "\"char\",\n"
        "    \"chars\": \"...\"}（または {\"kind\": \"gpt2\"}）の項目があれば、それがトークナイ"
        "ザを表します\n"
        "    （`llms-from-scratch train` が書く ckpt.pt と同じ）。\n"
        "  - state_dict だけの .pth ファイル、または本の学習のチェックポイント\n"
        "    {\"model_state_dict\": ..., \"optimizer_state_dict\": ...}。--config（設定の辞書の "
        "JSON\n"
        "    ファイルか GPT-2 のサイズ）と一緒に指定します。\n"
        "  - Hugging Face の形式の GPT-2 の .safetensors ファイル（幅が GPT-2 のサイズでなく、隣"
        "に\n"
        "    config.json もないときは --config が必要です）。\n"
        "  - OpenAI の形式の TensorFlow のチェックポイント（hparams.json、model.ckpt.*）のフォル"
        "ダ。\n"
        "\n"
        "重みは GPTModelFast（--dtype float32 または bfloat16）にコピーされ、続きは KV キャッシ"
        "ュを\n"
        "使って生成されます。プロンプトは 1 回だけ流し、そのあとは 1 ステップに新しいトークンを "
        "1 個\n"
        "ずつ流します。生成したそばから標準出力に書き出し、<|endoftext|> で止まり、最後に改行を"
        "\n"
        "足します。進み具合とエラーは標準エラー出力に出ます。\n",
    "positional arguments":
        "位置引数",
    "options":
        "オプション",
    "optional arguments":
        "オプション",
    "run it again to resume the download":
        "もう一度実行すると、ダウンロードを再開します",
    "add --resume to continue from the last checkpoint in --out-dir, if one was saved":
        "--resume を付けると、--out-dir の最後のチェックポイント（保存されていれば）から続けます",
    "argument {argument}: invalid choice: {value} (choose from {choices})":
        "引数 {argument}: {value} は選べません（{choices} から選んでください）",
    "argument {argument}: invalid {type} value: {value}":
        "引数 {argument}: {value} は {type} の値として正しくありません",
    "argument {argument}: expected one argument":
        "引数 {argument}: 値が 1 つ必要です",
    "argument {argument}: not allowed with argument {other}":
        "引数 {argument}: 引数 {other} と一緒には使えません",
    "the following arguments are required: {arguments}":
        "次の引数が必要です: {arguments}",
    "unrecognized arguments: {arguments}":
        "知らない引数です: {arguments}",
    "fetch the book's files ahead of time, or list what is cached":
        "本のファイルを前もって取得する。またはキャッシュにあるものを一覧にする",
    "Fetch the book's downloads into the cache folder for offline work. Without arguments, list "
    "every asset and whether it is cached.":
        "本がダウンロードするファイルをキャッシュのフォルダに取得し、オフラインで作業できるよう"
        "にします。引数がなければ、すべてのファイルとキャッシュにあるかどうかを一覧にします。",
    "assets to fetch (see the list printed without arguments)":
        "取得するファイル（引数なしで表示される一覧を参照）",
    "fetch every asset except the GPT-2 model weights (gpt2-124M ... gpt2-1558M, hundreds of MB "
    "to GB each), which are fetched only when named":
        "GPT-2 のモデルの重み（gpt2-124M ... gpt2-1558M。それぞれ数百 MB から数 GB）を除くすべて"
        "のファイルを取得する。重みは名前を指定したときだけ取得します",
    "give either --all or asset names, not both":
        "--all とファイル名のどちらか一方を指定してください",
    "continue a prompt with GPT-2 or a model you trained":
        "GPT-2 か自分で学習させたモデルで、プロンプトの続きを書く",
    "Continue a prompt with GPT-2's weights or a checkpoint of the book's\n"
    "GPTModel, printing tokens as they are produced.":
        "GPT-2 の重みか本の GPTModel のチェックポイントで、プロンプトの続きを書き、\n"
        "トークンを生成したそばから表示します。",
    "a GPT-2 size (124M, 355M, 774M, 1558M) or a checkpoint path (see below; default: 124M)":
        "GPT-2 のサイズ（124M、355M、774M、1558M）かチェックポイントのパス（下を参照。既定: "
        "124M）",
    "the model config for a checkpoint that does not carry one: a JSON file with the GPTModel "
    "config dict, or a GPT-2 size":
        "設定を持たないチェックポイントのためのモデルの設定: GPTModel の設定の辞書の JSON ファイ"
        "ルか、GPT-2 のサイズ",
    "the text to continue (default: read from stdin)":
        "続きを書くテキスト（既定: 標準入力から読む）",
    "print the prompt before its continuation; --no-echo-prompt prints only the generated text, "
    "e.g. for a pipe (default: on)":
        "続きの前にプロンプトを表示する。--no-echo-prompt なら生成したテキストだけを出力する（パ"
        "イプに渡すときなど。既定: 表示する）",
    "generate at most N tokens (default: 50)":
        "最大 N トークンを生成する（既定: 50）",
    "0 picks the most likely token (greedy, deterministic); higher values sample more freely "
    "(default: 1.0)":
        "0 ならいちばん確率の高いトークンを選ぶ（貪欲法、決定的）。大きいほど自由にサンプリング"
        "する（既定: 1.0）",
    "sample only among the K most likely tokens, 1..vocabulary size (default: 50)":
        "確率の高い上位 K 個のトークンの中だけからサンプリングする。1〜語彙数（既定: 50）",
    "nucleus sampling: keep the most likely tokens up to probability mass P, in (0, 1] "
    "(default: off)":
        "核サンプリング: 確率の高いトークンから順に、確率の合計が P になるまでを残す。(0, 1] の"
        "範囲（既定: 使わない）",
    "random seed, for reproducible sampling":
        "乱数のシード。同じサンプリングを再現するため",
    "auto, cpu, cuda, cuda:N or mps (default: auto, or $LLMS_FROM_SCRATCH_DEVICE)":
        "auto、cpu、cuda、cuda:N、mps のどれか（既定: auto、または $LLMS_FROM_SCRATCH_DEVICE）",
    "the precision of the weights while generating; bfloat16 halves the bytes read per token "
    "and is faster on GPUs and on CPUs with bfloat16 instructions (default: float32)":
        "生成中の重みの精度。bfloat16 は 1 トークンあたりに読むバイト数が半分になり、GPU と "
        "bfloat16 命令のある CPU で速くなります（既定: float32）",
    "where GPT-2 weights are stored (default: the gpt2 folder of the cache, see "
    "`llms-from-scratch download`)":
        "GPT-2 の重みの置き場所（既定: キャッシュの gpt2 フォルダ。`llms-from-scratch download` "
        "を参照）",
    "check that this machine is ready for the book (versions, devices, a numerical self-test, "
    "downloads)":
        "このマシンで本を進める準備ができているかを確かめる（バージョン、デバイス、数値の自己テ"
        "スト、ダウンロード）",
    "Print Python's and every required package's version (OK/FAIL), the devices, a numerical "
    "self-test of a tiny GPT on each device against the CPU, and whether the book's downloads "
    "are cached or reachable. Exit code 0 when everything the book needs is there.":
        "Python と必要なパッケージのバージョン（OK/FAIL）、デバイス、各デバイスで小さな GPT を "
        "CPU と比べる数値の自己テスト、本のダウンロードがキャッシュにあるか取得できるかを表示し"
        "ます。本に必要なものがすべてそろっていれば終了コードは 0 です。",
    "measure training and generation speed on this device":
        "このデバイスでの学習と生成の速さを計る",
    "Time training steps (GPTModel, GPTModelFast in float32 and bf16, transformers' GPT-2) and "
    "greedy generation with and without the KV cache for the GPT-2 124M configuration (context "
    "256, batch 2), side by side, and say what the ratios mean (--json also writes the matmul "
    "peak, each row's model-FLOPs utilisation and the package's speed goals). Takes a few "
    "minutes on a CPU.":
        "GPT-2 124M の設定（文脈長 256、バッチ 2）で、学習ステップ（GPTModel、float32 と bf16 の"
        " GPTModelFast、transformers の GPT-2）と、KV キャッシュあり・なしの貪欲法による生成の時"
        "間を並べて計り、比の意味を説明します（--json を付けると、行列積のピーク性能、各行の "
        "MFU、パッケージの速さの目標も書き出します）。CPU では数分かかります。",
    "pretrain a GPT on a text (char-level or GPT-2 BPE), with checkpoints and torchrun support":
        "テキストで GPT を事前学習する（文字単位か GPT-2 の BPE。チェックポイントと torchrun に"
        "対応）",
    "Next-token pretraining of the book's GPT on Tiny Shakespeare, 吾輩は猫である\n"
    "or any UTF-8 text. The text is tokenised once (per character, or with GPT-2's\n"
    "BPE) into memory-mapped token files with a 90/10 train/validation split;\n"
    "AdamW with warm-up, cosine decay and gradient clipping then trains on random\n"
    "windows. Every --eval-interval steps the command prints the mean train and\n"
    "validation loss and a sample, and writes --out-dir/ckpt.pt, which --resume\n"
    "continues and `llms-from-scratch generate --model` samples from.\n"
    "\n"
    "Settings: the flags, then --config FILE.json, then the defaults (the small\n"
    "CPU recipe for Tiny Shakespeare); the effective ones go to\n"
    "--out-dir/config.json.":
        "本の GPT を、Tiny Shakespeare、吾輩は猫である、または任意の UTF-8 のテキストで、\n"
        "次のトークンの予測によって事前学習します。テキストは最初に 1 回だけトークン化され\n"
        "（文字ごと、または GPT-2 の BPE）、学習用と検証用に 90 対 10 で分けたメモリマップの\n"
        "トークンファイルになります。そのあと、ウォームアップ、コサイン減衰、勾配クリッピング\n"
        "付きの AdamW が、ランダムに選んだ窓で学習します。--eval-interval ステップごとに、\n"
        "学習損失と検証損失の平均とサンプルを表示し、--out-dir/ckpt.pt を書きます。これは\n"
        "--resume で続きを学習でき、`llms-from-scratch generate --model` で生成に使えます。\n"
        "\n"
        "設定の優先順位: フラグ、--config FILE.json、既定値（Tiny Shakespeare 用の小さな\n"
        "CPU 向けレシピ）の順です。実際に使った設定は --out-dir/config.json に書かれます。",
    "write a chapter folder's previous_chapters.py and chapter_reference.py (e.g. next to a "
    "notebook in Colab)":
        "章のフォルダの previous_chapters.py と chapter_reference.py を書き出す（Colab でノート"
        "ブックの隣に置くときなど）",
    "Write the stand-alone copies of the package code that a chapter's notebooks import "
    "(previous_chapters.py, chapter_reference.py, and gpt_download.py for ch05).":
        "章のノートブックが import する、パッケージのコードの単体で動くコピー（"
        "previous_chapters.py、chapter_reference.py、ch05 では gpt_download.py も）を書き出しま"
        "す。",
    "the chapter folder":
        "章のフォルダ",
    "where to write the files (default: .)":
        "ファイルを書き出す場所（既定: .）",
    "Tools for the book's GPT: downloads and more (see each command's --help).":
        "本の GPT のためのツール: ダウンロードなど（各コマンドの --help を参照）。",
    "print the version and exit":
        "バージョンを表示して終了する",
    "the command to run (COMMAND --help describes it)":
        "実行するコマンド（COMMAND --help で説明を表示）",
    "usage: ":
        "使い方: ",
    "show this help message and exit":
        "このヘルプを表示して終了する",
    "cache folder: {cache_dir}  (set ${cache_env_var} to move it)":
        "キャッシュのフォルダ: {cache_dir}  （${cache_env_var} で場所を変えられます）",
    "wrote {path}":
        "{path} を書き出しました",
    "{prog}: error: {message} (see {prog} --help)":
        "{prog}: エラー: {message}（{prog} --help を参照）",
    "unknown asset {name!r}; known: {assets}":
        "{name!r} というファイルはありません。あるのは: {assets}",
    "cannot write to --out-dir {out_dir} ({strerror}); give a folder you can write to":
        "--out-dir {out_dir} に書き込めません（{strerror}）。書き込めるフォルダを指定してくださ"
        "い",
    "{name}: error: {one_line}":
        "{name}: エラー: {one_line}",
    "{name}: interrupted; {after}":
        "{name}: 中断しました。{after}",
    "{name}: interrupted":
        "{name}: 中断しました",
    # config.py
    "train on these UTF-8 text files or folders of .txt files (Aozora Bunko's files, also in "
    "Shift_JIS, are cleaned)":
        "これらの UTF-8 のテキストファイルか .txt ファイルのフォルダで学習する（青空文庫のファイル"
        "は Shift_JIS のものも整形して使います）",
    "char: one token per character; gpt2: GPT-2's BPE; bpe:SIZE: a byte-level BPE of SIZE tokens "
    "learned from the training split; or a tokenizer file (tokenizer.json, SentencePiece .model); "
    "model: the --init-from Japanese GPT-2's own":
        "char: 1 文字を 1 トークンにする。gpt2: GPT-2 の BPE。bpe:SIZE: 学習データから学ぶ SIZE ト"
        "ークンのバイトレベル BPE。またはトークナイザのファイル（tokenizer.json、SentencePiece の "
        ".model）。model: --init-from の日本語 GPT-2 自身のもの",
    "char; gpt2 with --init-from a GPT-2 size; the model's own with --init-from a Japanese GPT-2":
        "char。--init-from が GPT-2 のサイズなら gpt2、日本語 GPT-2 ならそのモデル自身のもの",
    "scratch, a GPT-2 size to fine-tune OpenAI's weights ({gpt2_sizes}), or a Japanese GPT-2 to "
    "fine-tune with its own tokenizer: a Hub repository such as rinna/japanese-gpt2-small or a "
    "folder in its layout":
        "scratch、OpenAI の重みをファインチューニングするなら GPT-2 のサイズ（{gpt2_sizes}）、自身"
        "のトークナイザでファインチューニングするなら日本語 GPT-2: rinna/japanese-gpt2-small のよ"
        "うな Hub のリポジトリか、その構成のフォルダ",
    "{name} must be a string or a list of strings, got {value!r}":
        "{name} は文字列か文字列のリストにしてください（{value!r} が指定されました）",
    "--init-from must be scratch or a GPT-2 size ({gpt2_sizes_text}), or a Japanese GPT-2 (a Hub "
    "repository owner/name, or a model folder), got {init_from!r}":
        "--init-from は scratch か GPT-2 のサイズ（{gpt2_sizes_text}）、または日本語 GPT-2（Hub の"
        "リポジトリ owner/name かモデルのフォルダ）にしてください（{init_from!r} が指定されまし"
        "た）",
    "data":
        "データ",
    "model":
        "モデル",
    "optimisation":
        "最適化",
    "evaluation, samples and files":
        "評価、サンプル、ファイル",
    "a built-in text":
        "組み込みのテキスト",
    "train on separate documents: FILE.jsonl with one {\"text\": ...} per line, or a folder of "
    ".txt files; the separator token is placed between them by the code":
        "別々の文書で学習する: 1 行に 1 つの {\"text\": ...} を書いた FILE.jsonl か、.txt ファイ"
        "ルのフォルダ。文書の間の区切りトークンはコードが置きます",
    "the last F of the text is the validation split":
        "テキストの最後の割合 F を検証データにする",
    "where the token files go":
        "トークンファイルの置き場所",
    "where GPT-2 weights are stored":
        "GPT-2 の重みの置き場所",
    "transformer blocks":
        "Transformer ブロックの数",
    "attention heads":
        "アテンションヘッドの数",
    "embedding width":
        "埋め込みの幅",
    "tokens per training window":
        "学習の窓 1 つのトークン数",
    "dropout rate":
        "ドロップアウト率",
    "biases in the query/key/value projections":
        "クエリ・キー・バリューの射影のバイアス",
    "use GPTModelFast (fused kernels, the same weights) instead of GPTModel":
        "GPTModel の代わりに GPTModelFast（融合したカーネル、同じ重み）を使う",
    "windows per micro-batch and process":
        "1 つのマイクロバッチ・1 プロセスあたりの窓の数",
    "micro-batches per optimizer step":
        "オプティマイザの 1 ステップあたりのマイクロバッチ数",
    "optimizer steps":
        "オプティマイザのステップ数",
    "peak learning rate":
        "学習率の最大値",
    "learning rate at the end of the decay":
        "減衰が終わったときの学習率",
    "steps of linear warm-up":
        "線形のウォームアップのステップ数",
    "step where the cosine decay reaches --min-lr":
        "コサイン減衰が --min-lr に達するステップ",
    "AdamW weight decay of the weight matrices":
        "重み行列にかける AdamW の重み減衰",
    "AdamW beta1":
        "AdamW の beta1",
    "AdamW beta2":
        "AdamW の beta2",
    "clip the gradient norm to this value, 0 = off":
        "勾配のノルムをこの値で切る。0 なら切らない",
    "autocast precision: bfloat16 on recent CPUs and GPUs, float16 on CUDA only":
        "autocast の精度: bfloat16 は最近の CPU と GPU、float16 は CUDA のみ",
    "torch.compile the model":
        "モデルを torch.compile する",
    "auto, cpu, cuda, cuda:N or mps":
        "auto、cpu、cuda、cuda:N、mps のどれか",
    "random seed":
        "乱数のシード",
    "evaluate, sample and save every N steps":
        "N ステップごとに評価し、サンプルを書き、保存する",
    "batches per split in an evaluation":
        "1 回の評価で各データから使うバッチ数",
    "tokens in each sample, 0 = no samples":
        "サンプル 1 つのトークン数。0 ならサンプルなし",
    "the samples' prompt":
        "サンプルのプロンプト",
    "sampling temperature, 0 = greedy":
        "サンプリングの温度。0 なら貪欲法",
    "sample among the top K tokens":
        "上位 K 個のトークンの中からサンプリングする",
    "show a progress bar on stderr":
        "標準エラー出力に進捗バーを表示する",
    "where ckpt.pt, config.json, log.jsonl and summary.json go":
        "ckpt.pt、config.json、log.jsonl、summary.json の置き場所",
    "the cache's tokens folder":
        "キャッシュの tokens フォルダ",
    "the cache's gpt2 folder":
        "キャッシュの gpt2 フォルダ",
    "auto, or $LLMS_FROM_SCRATCH_DEVICE":
        "auto、または $LLMS_FROM_SCRATCH_DEVICE",
    "a newline, or <|endoftext|>":
        "改行、または <|endoftext|>",
    "all":
        "すべて",
    "continue the run whose ckpt.pt is in --out-dir":
        "--out-dir に ckpt.pt がある実行を続ける",
    "a JSON file of settings (keys as the flags' names); flags win":
        "設定の JSON ファイル（キーはフラグの名前）。フラグのほうが優先されます",
    "give either --text or --documents, not both":
        "--text と --documents のどちらか一方を指定してください",
    "--lr must be positive":
        "--lr は正の数にしてください",
    "on":
        "オン",
    "off":
        "オフ",
    "{help} (default: {default})":
        "{help}（既定: {default}）",
    "{name} must be an integer, got {value!r}":
        "{name} は整数にしてください（{value!r} が指定されました）",
    "{name} must be a number >= 0, got {value!r}":
        "{name} は 0 以上の数にしてください（{value!r} が指定されました）",
    "{name} must be {bound}, got {value}":
        "{name} は {bound} にしてください（{value} が指定されました）",
    "{name} must be below {below:g}, got {value}":
        "{name} は {below:g} より小さくしてください（{value} が指定されました）",
    "unknown --dataset {dataset!r}; use {datasets} or --text PATH":
        "--dataset {dataset!r} は知らないデータセットです。{datasets} か --text PATH を使ってく"
        "ださい",
    "unknown --dtype {dtype!r}; use {dtypes}":
        "--dtype {dtype!r} は知らない精度です。{dtypes} を使ってください",
    "--min-lr ({min_lr}) must not exceed --lr ({lr})":
        "--min-lr（{min_lr}）は --lr（{lr}）以下にしてください",
    "--val-fraction must be in (0, 1), got {val_fraction}":
        "--val-fraction は (0, 1) の範囲にしてください（{val_fraction} が指定されました）",
    "--n-embd ({n_embd}) must be divisible by --n-head ({n_head})":
        "--n-embd（{n_embd}）は --n-head（{n_head}）で割り切れる値にしてください",
    "the config file {path} must hold a JSON object of settings":
        "設定ファイル {path} は設定の JSON オブジェクトにしてください",
    "unknown settings {unknown}":
        "知らない設定です: {unknown}",
    "cannot change {details} when resuming; start a new run in another --out-dir instead":
        "再開するときは {details} を変えられません。代わりに別の --out-dir で新しい実行を始めて"
        "ください",
    "{name} must be true or false, got {value!r}":
        "{name} は true か false にしてください（{value!r} が指定されました）",
    "{name} must be a string, got {value!r}":
        "{name} は文字列にしてください（{value!r} が指定されました）",
    "positive":
        "正の数",
    "no config file at {path}; check the path given to --config":
        "設定ファイル {path} がありません。--config に指定したパスを確かめてください",
    "cannot read the config file {path}: {err}":
        "設定ファイル {path} を読めません: {err}",
    "the config file {path} has an unknown setting {key!r}; known: {by_name}":
        "設定ファイル {path} に知らない設定 {key!r} があります。使える設定: {by_name}",
    # data.py
    "these tokens were made by a {kind} tokenizer file (SHA-256 {sha256}); it is kept in the "
    "run's --out-dir: give that file with --tokenizer":
        "これらのトークンは {kind} のトークナイザファイル（SHA-256 {sha256}）で作られています。そ"
        "のファイルは実行の --out-dir にあります: --tokenizer でそのファイルを指定してください",
    "{meta_file} does not match the token files ({problems}); delete the folder {data_dir} to "
    "prepare the data again":
        "{meta_file} がトークンファイルと合いません（{problems}）。フォルダ {data_dir} を削除する"
        "と、データをもう一度準備します",
    "{err}; check the path given to --documents":
        "{err}。--documents に指定したパスを確かめてください",
    "cannot read --documents {documents} ({strerror}); check the path and its permissions":
        "--documents {documents} を読めません（{strerror}）。パスと権限を確かめてください",
    "cannot write the token files to {data_dir} ({strerror}); choose another --data-dir":
        "トークンファイルを {data_dir} に書き込めません（{strerror}）。別の --data-dir を選んで"
        "ください",
    "rank 0 did not prepare {data_dir}; is the folder shared?":
        "ランク 0 が {data_dir} を準備していません。フォルダは共有されていますか?",
    "the {split} split has only {n_tokens} tokens, not more than the context length "
    "{context_length}; use a longer text or a shorter --context-length":
        "{split} のデータには {n_tokens} トークンしかなく、文脈長 {context_length} より長くあり"
        "ません。もっと長いテキストを使うか、--context-length を短くしてください",
    "{data_dir} holds token ID {max} but the vocabulary has {vocab_size} tokens; the file is "
    "corrupt: delete the folder {data_dir2} to prepare the data again":
        "{data_dir} にトークン ID {max} がありますが、語彙は {vocab_size} トークンです。ファイル"
        "が壊れています: フォルダ {data_dir2} を削除すると、データをもう一度準備します",
    "the character {value1!r} is not in the model's vocabulary of {n_vocab} characters; remove "
    "or replace it, or train on a text that contains it":
        "文字 {value1!r} はモデルの {n_vocab} 文字の語彙にありません。その文字を取り除くか置き換"
        "えるか、その文字を含むテキストで学習してください",
    "{err}; check the path given to --text":
        "{err}。--text に指定したパスを確かめてください",
    "cannot read --text {text} ({strerror}); check the path and its permissions":
        "--text {text} を読めません（{strerror}）。パスと権限を確かめてください",
    # distributed.py
    "torchrun started {per_node} processes on this machine but it has {gpus} CUDA GPU(s); use "
    "--nproc_per_node={gpus} (or fewer), or add --device cpu":
        "torchrun がこのマシンで {per_node} 個のプロセスを起動しましたが、CUDA の GPU は {gpus} 個"
        "しかありません。--nproc_per_node={gpus}（かそれ以下）にするか、--device cpu を付けてくだ"
        "さい",
    "{prog}: error: [rank {rank}] {err}":
        "{prog}: エラー: [ランク {rank}] {err}",
    "distributed training runs on CUDA (NCCL) or CPU (Gloo), not {type}; add --device cpu":
        "分散学習は CUDA（NCCL）か CPU（Gloo）で動きます。{type} では動きません。--device cpu を"
        "付けてください",
    # documents.py
    "there are no documents; give at least one non-empty document":
        "文書がありません。空でない文書を少なくとも 1 つ指定してください",
    "unknown tokenizer {kind!r}; use {tokenizers}":
        "{kind!r} は知らないトークナイザです。{tokenizers} を使ってください",
    "{path} holds no documents":
        "{path} に文書がありません",
    "the documents contain every candidate separator character {separator_candidates!r}; remove "
    "them from the text":
        "区切りの候補の文字 {separator_candidates!r} がすべて文書に含まれています。テキストから"
        "取り除いてください",
    "{n_documents} document(s) cannot be split into training and validation; give at least two "
    "documents":
        "{n_documents} 個の文書は学習用と検証用に分けられません。文書を少なくとも 2 つ指定してく"
        "ださい",
    "unknown tokenizer {tokenizer!r}; use {tokenizers}":
        "{tokenizer!r} は知らないトークナイザです。{tokenizers} を使ってください",
    "the validation fraction must be in (0, 1), got {val_fraction!r}":
        "検証データの割合は (0, 1) の範囲にしてください（{val_fraction!r} が指定されました）",
    "{path} repeats an emotion name; give GoEmotions' emotions.txt":
        "{path} に同じ感情の名前が 2 回あります。GoEmotions の emotions.txt を指定してください",
    "{where}: expected 3 tab-separated fields (text, label IDs, comment ID), got {n_fields}; is "
    "this a GoEmotions .tsv file?":
        "{where}: タブ区切りの 3 つの欄（本文、ラベルの ID、コメントの ID）のはずが、{n_fields} "
        "個でした。GoEmotions の .tsv ファイルですか?",
    "{where}: label {value2} is outside the {n_emotions} emotions of the emotions file; give "
    "the emotions.txt of the same release":
        "{where}: ラベル {value2} が感情のファイルの {n_emotions} 種類の範囲の外です。同じリリー"
        "スの emotions.txt を指定してください",
    "document {i} is empty or only whitespace; remove it":
        "文書 {i} は空か空白だけです。取り除いてください",
    "{path}, line {number}: expected an object with a \"text\" string, e.g. {{\"text\": "
    "\"...\"}}":
        "{path} の {number} 行目: \"text\" の文字列を持つオブジェクトのはずです（例: "
        "{{\"text\": \"...\"}}）",
    "{path}, line {number}: the \"text\" is empty; remove the line":
        "{path} の {number} 行目: \"text\" が空です。その行を取り除いてください",
    "{path} holds no .txt files; put one document per .txt file":
        "{path} に .txt ファイルがありません。1 つの .txt ファイルに 1 つの文書を入れてください",
    "document {i} encodes to the separator ID {separator_id}; use a tokenizer whose separator "
    "is not in the text":
        "文書 {i} をトークン化すると区切りの ID {separator_id} が現れます。区切りがテキストに現"
        "れないトークナイザを使ってください",
    "{where}: the labels {labels!r} are not comma-separated integers":
        "{where}: ラベル {labels!r} がカンマ区切りの整数ではありません",
    "{path}, line {number}: not valid JSON ({msg}); write one object {{\"text\": \"...\"}} per "
    "line":
        "{path} の {number} 行目: 正しい JSON ではありません（{msg}）。1 行に 1 つのオブジェクト"
        " {{\"text\": \"...\"}} を書いてください",
    "{path} is not a .jsonl file; give FILE.jsonl with one {{\"text\": ...}} per line, or a "
    "folder of .txt files":
        "{path} は .jsonl ファイルではありません。1 行に 1 つの {{\"text\": ...}} を書いた "
        "FILE.jsonl か、.txt ファイルのフォルダを指定してください",
    # evaluate.py
    "--sample-prompt is empty":
        "--sample-prompt が空です",
    "--sample-prompt: {err}":
        "--sample-prompt: {err}",
    # fileio.py
    "the write failed":
        "書き込みに失敗しました",
    "free some space (or choose a writable folder) and run the command again":
        "空きを作る（または書き込めるフォルダを選ぶ）と、コマンドをもう一度実行できます",
    "; the file needs about {size}":
        "。ファイルには約 {size} が必要です",
    "cannot write {name} into {parent}: {reason}{space}; {advice}":
        "{parent} に {name} を書き込めません: {reason}{space}。{advice}",
    ", {size} are free there":
        "、そこの空きは {size} です",
    "{lock_path} is held by another process":
        "{lock_path} は別のプロセスが使っています",
    "{lock} is held by another process":
        "{lock} は別のプロセスが使っています",
    # generate.py
    "the prompt has token ID {ids} but the model's vocabulary has only {vocab_size} tokens; it "
    "was not trained with this tokenizer":
        "プロンプトにトークン ID {ids} がありますが、モデルの語彙は {vocab_size} トークンしかあり"
        "ません。このモデルはこのトークナイザで学習していません",
    "given with --prompt":
        "（--prompt で指定）",
    "on stdin":
        "（標準入力）",
    "the prompt is empty; give --prompt TEXT or pipe text to stdin":
        "プロンプトが空です。--prompt TEXT を指定するか、標準入力にテキストを流してください",
    "note: this CPU has no bfloat16 instructions (AVX-512 BF16, AMX); --dtype float32 is faster "
    "here":
        "注意: この CPU には bfloat16 の命令（AVX-512 BF16、AMX）がありません。ここでは --dtype "
        "float32 のほうが速くなります",
    "the prompt {where} is not UTF-8 text ({position}); convert it first, e.g. iconv -f "
    "SHIFT_JIS -t UTF-8":
        "プロンプト {where} が UTF-8 のテキストではありません（{position}）。先に変換してくださ"
        "い（例: iconv -f SHIFT_JIS -t UTF-8）",
    "reading the prompt from stdin; end it with Ctrl-D (Ctrl-Z Enter on Windows), or give "
    "--prompt":
        "プロンプトを標準入力から読んでいます。Ctrl-D（Windows では Ctrl-Z のあと Enter）で終え"
        "るか、--prompt を指定してください",
    "--max-new-tokens must be >= 0, got {max_new_tokens}":
        "--max-new-tokens は 0 以上にしてください（{max_new_tokens} が指定されました）",
    "--temperature must be a number >= 0 (0 = greedy), got {temperature}":
        "--temperature は 0 以上の数にしてください（0 は貪欲法。{temperature} が指定されました）",
    "--top-k must be at least 1, got {top_k}":
        "--top-k は 1 以上にしてください（{top_k} が指定されました）",
    "--top-p must be in (0, 1], got {top_p}":
        "--top-p は (0, 1] の範囲にしてください（{top_p} が指定されました）",
    "--dtype must be one of {dtypes}, got {name!r}":
        "--dtype は {dtypes} のどれかにしてください（{name!r} が指定されました）",
    "--dtype bfloat16 is not supported on {device}; use --dtype float32":
        "--dtype bfloat16 は {device} では使えません。--dtype float32 を使ってください",
    "the prompt is {n_ids} tokens long but the model's context holds {context}; shorten the "
    "prompt":
        "プロンプトは {n_ids} トークンありますが、モデルの文脈には {context} トークンしか入りま"
        "せん。プロンプトを短くしてください",
    "--top-k must be in 1..{vocab_size} (the model's vocabulary), got {top_k}":
        "--top-k は 1〜{vocab_size}（モデルの語彙数）にしてください（{top_k} が指定されました）",
    "an undecodable byte at character {start}":
        "{start} 文字目にデコードできないバイトがあります",
    "{reason} at byte {start}":
        "{start} バイト目で {reason}",
    "the model produced token ID {token}, which its tokenizer does not know":
        "モデルがトークン ID {token} を出しましたが、そのトークナイザはこの ID を知りません",
    # japanese_gpt2.py
    "{folder} has no {name}; a model folder needs config.json, model.safetensors or "
    "pytorch_model.bin and spiece.model":
        "{folder} に {name} がありません。モデルのフォルダには config.json、model.safetensors か "
        "pytorch_model.bin、spiece.model が必要です",
    "cannot read {path}: {error}":
        "{path} を読めません: {error}",
    "{path} must hold a JSON object":
        "{path} の中身は JSON オブジェクトでなければなりません",
    "{where} lacks or garbles {key}; it must be the config.json of a GPT-2 model":
        "{where} の {key} がないか壊れています。GPT-2 モデルの config.json でなければなりません",
    "{where} describes a {model_type!r} model; only GPT-2 models (model_type gpt2) fit the book's "
    "GPTModel":
        "{where} は {model_type!r} のモデルを表しています。本書の GPTModel に合うのは GPT-2 のモデ"
        "ル（model_type gpt2）だけです",
    "{where}: activation {activation!r}, layer_norm_epsilon {epsilon}; the book's GPTModel has "
    "GPT-2's gelu_new and 1e-5":
        "{where}: activation が {activation!r}、layer_norm_epsilon が {epsilon} です。本書の "
        "GPTModel は GPT-2 と同じ gelu_new と 1e-5 です",
    "cannot read {path} ({error}); it is truncated or corrupt: download it again":
        "{path} を読めません（{error}）。途中で切れているか壊れています: もう一度ダウンロードして"
        "ください",
    "{folder} has neither model.safetensors nor pytorch_model.bin; download the weights into it":
        "{folder} には model.safetensors も pytorch_model.bin もありません。重みをそのフォルダにダ"
        "ウンロードしてください",
    "cannot read {path} safely ({error}); download it again":
        "{path} を安全に読めません（{error}）。もう一度ダウンロードしてください",
    "{path} holds no state_dict of tensors":
        "{path} にはテンソルの state_dict がありません",
    "{folder} has no spiece.model (the model's SentencePiece tokenizer); download it into the "
    "folder":
        "{folder} に spiece.model（モデルの SentencePiece トークナイザ）がありません。そのフォルダ"
        "にダウンロードしてください",
    "{spiece} has {n_vocab} pieces but config.json's vocab_size is {vocab_size}; the tokenizer "
    "and the weights belong to different models":
        "{spiece} のピースは {n_vocab} 個ですが、config.json の vocab_size は {vocab_size} です。"
        "トークナイザと重みは別々のモデルのものです",
    "{path} does not fit {config_file}: {name} has shape {shape}, the config needs {expected} and "
    "{n_layers} blocks":
        "{path} が {config_file} に合いません: {name} の形は {shape} ですが、設定では {expected} "
        "で、ブロックは {n_layers} 個です",
    "{path} lacks lm_head.weight, which its config does not tie to the token embeddings":
        "{path} に lm_head.weight がありません（設定ではトークン埋め込みと共有していません）",
    # kvcache.py
    "the model's logits hold NaN or Inf, so no token can be chosen; its weights are probably "
    "damaged or come from a run whose training diverged: check the model file, or train again "
    "with a lower learning rate":
        "モデルのロジットに NaN か Inf があるので、トークンを選べません。重みが壊れているか、学習"
        "が発散した実行のものでしょう: モデルのファイルを確かめるか、学習率を下げて学習し直してく"
        "ださい",
    "the temperature {temperature:g} is so small that the logits divided by it overflow to Inf; "
    "use 0 for greedy decoding, or a larger temperature":
        "温度 {temperature:g} が小さすぎて、ロジットを割ると Inf にあふれます。貪欲法なら 0 を、そ"
        "うでなければもっと大きな温度を使ってください",
    # memory_budget.py
    "this run needs about {need:.1f} GiB on {device} but only {free:.1f} GiB are free: "
    "{millions:.0f}M parameters x {per_param:.0f} bytes (weights, gradients, AdamW's moments) = "
    "{weights:.1f} GiB, activations of --batch-size {batch_size} x --context-length "
    "{context_length} = {activations:.1f} GiB; lower --batch-size (raise --grad-accum to keep the "
    "batch), shorten --context-length, or start from a smaller model":
        "この実行には {device} で約 {need:.1f} GiB 必要ですが、空きは {free:.1f} GiB しかありませ"
        "ん: パラメータ {millions:.0f}M 個 × {per_param:.0f} バイト（重み、勾配、AdamW のモーメン"
        "ト）= {weights:.1f} GiB、--batch-size {batch_size} × --context-length {context_length} の"
        "活性化 = {activations:.1f} GiB。--batch-size を下げる（バッチの大きさを保つには "
        "--grad-accum を上げる）か、--context-length を短くするか、もっと小さなモデルから始めてく"
        "ださい",
    # model.py
    "--context-length {context_length} exceeds the model's {n_ctx} positions":
        "--context-length {context_length} がモデルの位置の数 {n_ctx} を超えています",
    "{clash} cannot be set with --init-from {init_from}: GPT-2 {size} has a fixed shape":
        "--init-from {init_from} では {clash} を設定できません: GPT-2 {size} の形は決まっていま"
        "す",
    "--context-length {context_length} exceeds GPT-2's {n_ctx} positions":
        "--context-length {context_length} が GPT-2 の位置の数 {n_ctx} を超えています",
    "bad model configuration: {err}":
        "モデルの設定が正しくありません: {err}",
    # runlog.py
    "free some space (or choose a writable --out-dir) and continue with --resume; the last "
    "checkpoint is intact":
        "空きを作る（または書き込める --out-dir を選ぶ）と、--resume で続けられます。最後のチェ"
        "ックポイントは無事です",
    "another training run is using --out-dir {out_dir} (it holds {lock_path}); wait for it to "
    "end or choose another --out-dir":
        "別の学習が --out-dir {out_dir} を使っています（{lock_path} を保持しています）。終わるの"
        "を待つか、別の --out-dir を選んでください",
    "cannot create --out-dir {out_dir} ({strerror}); choose a folder you can write to":
        "--out-dir {out_dir} を作れません（{strerror}）。書き込めるフォルダを選んでください",
    # sp_tokenizer.py
    "reading a Japanese GPT-2's spiece.model needs the sentencepiece package: pip install "
    "sentencepiece":
        "日本語 GPT-2 の spiece.model を読むには sentencepiece パッケージが必要です: pip install "
        "sentencepiece",
    "cannot read the SentencePiece model {path} ({error}); download it again":
        "SentencePiece のモデル {path} を読めません（{error}）。もう一度ダウンロードしてください",
    # tokenizer_choice.py
    "char, gpt2, bpe:SIZE (a byte-level BPE of SIZE tokens learned from the training text), or a "
    "tokenizer file (tokenizer.json, or a SentencePiece .model)":
        "char、gpt2、bpe:SIZE（学習用テキストから学ぶ SIZE トークンのバイトレベル BPE）、またはト"
        "ークナイザのファイル（tokenizer.json か SentencePiece の .model）",
    "--tokenizer must be {forms}; got {value!r}":
        "--tokenizer は {forms} にしてください（{value!r} が指定されました）",
    "--tokenizer {value}: a byte-level BPE needs at least 258 tokens (<|endoftext|>, the 256 "
    "bytes and one merge), e.g. bpe:1000":
        "--tokenizer {value}: バイトレベル BPE には少なくとも 258 トークン（<|endoftext|>、256 個"
        "のバイト、1 つのマージ）が必要です。例: bpe:1000",
    "--tokenizer {value}: no such file; give a tokenizer.json, a SentencePiece .model, or "
    "bpe:SIZE to learn one":
        "--tokenizer {value}: そのファイルはありません。tokenizer.json か SentencePiece の .model "
        "を指定するか、bpe:SIZE で学習させてください",
    "unknown --tokenizer {value!r}; use {forms}":
        "--tokenizer {value!r} は知らないトークナイザです。{forms} を使ってください",
    "the model's tokenizer {path} is missing; keep the run folder's {name} beside its checkpoint":
        "モデルのトークナイザ {path} がありません。実行フォルダの {name} をチェックポイントのそば"
        "に置いてください",
    "{path} is not the tokenizer the model was trained with (its SHA-256 differs); put the run's "
    "own tokenizer file back":
        "{path} はモデルの学習に使ったトークナイザではありません（SHA-256 が違います）。その実行の"
        "トークナイザファイルを戻してください",
    "--tokenizer bpe:{size}: the training text gives only {n_vocab} tokens; choose a smaller size "
    "or a longer text":
        "--tokenizer bpe:{size}: 学習用テキストからは {n_vocab} トークンしか作れません。もっと小さ"
        "なサイズか、もっと長いテキストを選んでください",
    # tokenizer_table.py
    "held-out text: {chars:,} characters; embeddings {emb_dim} wide":
        "評価用テキスト: {chars:,} 文字。埋め込みの幅 {emb_dim}",
    "tokenizer":
        "トークナイザ",
    "vocabulary":
        "語彙数",
    "tokens":
        "トークン数",
    "chars/token":
        "文字/トークン",
    "embedding params":
        "埋め込みパラメータ数",
    # tokenmeta.py
    "note: {meta_file} does not match its files or text ({problems}); preparing the folder again":
        "注意: {meta_file} がファイルかテキストと合いません（{problems}）。フォルダを準備し直しま"
        "す",
    # train.py
    "examples:\n"
    "  llms-from-scratch train --out-dir out-shakespeare            # CPU recipe, ~1 minute\n"
    "  llms-from-scratch train --dataset wagahaiwa-nekodearu --out-dir out-neko\n"
    "  llms-from-scratch train --text my.txt --tokenizer gpt2 --out-dir out-mine\n"
    "  llms-from-scratch train --dataset wagahaiwa-nekodearu --tokenizer bpe:1000 --out-dir "
    "out-neko\n"
    "      (a byte-level BPE of 1,000 tokens learned from the text, kept as "
    "out-neko/tokenizer.json)\n"
    "  llms-from-scratch train --text works/ more.txt --tokenizer bpe:4000 --out-dir out-works\n"
    "  llms-from-scratch train --init-from rinna/japanese-gpt2-small --dataset "
    "wagahaiwa-nekodearu \\\n"
    "      --max-iters 200 --out-dir out-rinna   (fine-tuning with the model's own tokenizer)\n"
    "  llms-from-scratch train --out-dir out-shakespeare --resume --max-iters 2500\n"
    "      (the learning rate stays at --min-lr after --lr-decay-iters)\n"
    "  llms-from-scratch generate --model out-shakespeare/ckpt.pt --prompt \"ROMEO:\"\n"
    "\n"
    "  nanoGPT's GPU recipe (it reports a validation loss of about 1.47 after about\n"
    "  3 minutes on one A100):\n"
    "  llms-from-scratch train --n-layer 6 --n-head 6 --n-embd 384 --context-length 256 \\\n"
    "      --batch-size 64 --dropout 0.2 --max-iters 5000 --beta2 0.99 --eval-iters 200 \\\n"
    "      --dtype bfloat16 --compile --out-dir out-shakespeare-gpu\n"
    "  (--dtype bfloat16 needs an Ampere or newer GPU, e.g. A100, L4, RTX 30xx/40xx;\n"
    "  on older ones, e.g. Colab's T4 or a V100, use --dtype float16)\n"
    "\n"
    "several processes (DistributedDataParallel; NCCL on GPUs, Gloo on CPUs):\n"
    "  torchrun --standalone --nproc_per_node=4 -m llms_from_scratch train --out-dir out\n"
    "  Each process samples its own batches; only rank 0 prints and writes files.\n"
    "  --batch-size and --grad-accum are per process.\n"
    "\n"
    "several machines (run on every node, node_rank 0..nnodes-1):\n"
    "  torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --rdzv_backend=c10d \\\n"
    "      --rdzv_endpoint=HOST:29500 -m llms_from_scratch train --out-dir out\n"
    "  HOST is an address of the first node that all nodes reach. --out-dir must be\n"
    "  a folder of rank 0's machine; each node prepares the token files in its own\n"
    "  cache (set --data-dir to a shared folder to prepare them once).\n":
        "例:\n"
        "  llms-from-scratch train --out-dir out-shakespeare            # CPU 向けのレシピ、約 1 "
        "分\n"
        "  llms-from-scratch train --dataset wagahaiwa-nekodearu --out-dir out-neko\n"
        "  llms-from-scratch train --text my.txt --tokenizer gpt2 --out-dir out-mine\n"
        "  llms-from-scratch train --dataset wagahaiwa-nekodearu --tokenizer bpe:1000 --out-dir "
        "out-neko\n"
        "      （テキストから学ぶ 1,000 トークンのバイトレベル BPE。out-neko/tokenizer.json に残し"
        "ます）\n"
        "  llms-from-scratch train --text works/ more.txt --tokenizer bpe:4000 --out-dir "
        "out-works\n"
        "  llms-from-scratch train --init-from rinna/japanese-gpt2-small --dataset "
        "wagahaiwa-nekodearu \\\n"
        "      --max-iters 200 --out-dir out-rinna   （モデル自身のトークナイザでファインチューニ"
        "ング）\n"
        "  llms-from-scratch train --out-dir out-shakespeare --resume --max-iters 2500\n"
        "      （--lr-decay-iters のあと、学習率は --min-lr のままです）\n"
        "  llms-from-scratch generate --model out-shakespeare/ckpt.pt --prompt \"ROMEO:\"\n"
        "\n"
        "  nanoGPT の GPU 向けのレシピ（A100 1 枚で約 3 分後に検証損失が約 1.47 になると\n"
        "  報告されています）:\n"
        "  llms-from-scratch train --n-layer 6 --n-head 6 --n-embd 384 --context-length 256 \\\n"
        "      --batch-size 64 --dropout 0.2 --max-iters 5000 --beta2 0.99 --eval-iters 200 \\\n"
        "      --dtype bfloat16 --compile --out-dir out-shakespeare-gpu\n"
        "  （--dtype bfloat16 には Ampere 以降の GPU（A100、L4、RTX 30xx/40xx など）が必要です。\n"
        "  それより古い GPU（Colab の T4、V100 など）では --dtype float16 を使ってください）\n"
        "\n"
        "複数のプロセス（DistributedDataParallel。GPU では NCCL、CPU では Gloo）:\n"
        "  torchrun --standalone --nproc_per_node=4 -m llms_from_scratch train --out-dir out\n"
        "  プロセスごとに自分のバッチをサンプリングし、表示とファイルの書き込みはランク 0 だけが\n"
        "  行います。--batch-size と --grad-accum は 1 プロセスあたりの値です。\n"
        "\n"
        "複数のマシン（すべてのノードで実行。node_rank は 0..nnodes-1）:\n"
        "  torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --rdzv_backend=c10d \\\n"
        "      --rdzv_endpoint=HOST:29500 -m llms_from_scratch train --out-dir out\n"
        "  HOST は、すべてのノードから届く最初のノードのアドレスです。--out-dir はランク 0 の\n"
        "  マシンのフォルダです。各ノードは自分のキャッシュにトークンファイルを準備します\n"
        "  （--data-dir を共有フォルダにすれば、準備は 1 回で済みます）。\n",
    "--tokenizer model names a pretrained model's own tokenizer; give --init-from a Japanese "
    "GPT-2 (owner/name or a folder) with it":
        "--tokenizer model は事前学習済みモデル自身のトークナイザを指します。--init-from に日本語 "
        "GPT-2（owner/name かフォルダ）を一緒に指定してください",
    "--init-from {init_from} uses the model's own tokenizer (its spiece.model); leave out "
    "--tokenizer":
        "--init-from {init_from} はモデル自身のトークナイザ（その spiece.model）を使います。"
        "--tokenizer は外してください",
    "{clash} cannot be set with --init-from {init_from}: a pretrained model has a fixed shape":
        "--init-from {init_from} では {clash} を設定できません: 事前学習済みモデルの形は決まってい"
        "ます",
    "step {step}: train loss {train_loss:.4f}, val loss {val_loss:.4f} nats/token = {val_bpc:.4f} "
    "bits/char, {val_bpb:.4f} bits/byte":
        "ステップ {step}: 学習損失 {train_loss:.4f}、検証損失 {val_loss:.4f} nats/トークン = "
        "{val_bpc:.4f} ビット/文字、{val_bpb:.4f} ビット/バイト",
    "torch.compile failed at the first step ({error}); run without --compile":
        "最初のステップで torch.compile が失敗しました（{error}）。--compile を付けずに実行してく"
        "ださい",
    "give either --dataset or --text, not both":
        "--dataset と --text のどちらか一方を指定してください",
    "before the first step: measuring the loss on {n} windows each of the training and the "
    "validation text (--eval-iters {eval_iters} batches of {batch_size}), about {seconds:.0f} "
    "s; then training starts":
        "最初のステップの前に、学習用と検証用のテキストからそれぞれ {n} 個の窓（--eval-iters "
        "{eval_iters} バッチ × {batch_size}）で損失を測ります。約 {seconds:.0f} 秒かかり、そのあ"
        "と学習が始まります",
    "data: {source}, {tokenizer} tokens (vocabulary {vocab_size}), {train_tokens:,} train / "
    "{val_tokens:,} val; model: {n_params:,} parameters; {world_size} process(es) on {device}":
        "データ: {source}、{tokenizer} のトークン（語彙 {vocab_size}）、学習用 {train_tokens:,} "
        "/ 検証用 {val_tokens:,}。モデル: パラメータ {n_params:,} 個。{device} 上の "
        "{world_size} プロセス",
    "{ckpt_path} exists; add --resume to continue that run, or choose another --out-dir":
        "{ckpt_path} がすでにあります。その実行を続けるなら --resume を付け、そうでなければ別の "
        "--out-dir を選んでください",
    "--init-from {init_from} needs --tokenizer gpt2 (GPT-2's vocabulary)":
        "--init-from {init_from} には --tokenizer gpt2（GPT-2 の語彙）が必要です",
    "the data has {vocab_size} token types but the model's vocabulary only {vocab_size2}":
        "データには {vocab_size} 種類のトークンがありますが、モデルの語彙は {vocab_size2} しかあ"
        "りません",
    "sample: {text}":
        "サンプル: {text}",
    "the loss became {loss} at step {step}; lower --lr or use --dtype float32":
        "ステップ {step} で損失が {loss} になりました。--lr を下げるか、--dtype float32 を使って"
        "ください",
    "the checkpoint {ckpt_path} was trained on another vocabulary than the data in {data_dir}":
        "チェックポイント {ckpt_path} は、{data_dir} のデータとは別の語彙で学習されています",
    "cannot write {path} ({strerror}); free some disk space or choose another --out-dir":
        "{path} を書き込めません（{strerror}）。ディスクの空きを作るか、別の --out-dir を選んで"
        "ください",
    # versions.py
    "only needed to read OpenAI's original TensorFlow checkpoints in chapter 5; without it the "
    "book loads the same weights from safetensors files (try `pip install tensorflow-cpu` if "
    "`pip install tensorflow` fails)":
        "第5章で OpenAI の元の TensorFlow のチェックポイントを読むときだけ必要です。なくても、本"
        "は同じ重みを safetensors ファイルから読み込みます（`pip install tensorflow` が失敗する"
        "ときは `pip install tensorflow-cpu` を試してください）",
    "needed":
        "必要",
    "the book supports {low}-{high}":
        "本が対応するのは {low}〜{high} です",
    "the llms-from-scratch package's dependencies":
        "llms-from-scratch パッケージの依存パッケージ",
    "needs {spec}":
        "{spec} が必要",
    "; optional: {why}":
        "。省略可: {why}",
    "not installed: pip install -e ./pkg (from the repository root)":
        "入っていません: pip install -e ./pkg（リポジトリの最上位で実行）",
    "not installed ({needs})":
        "入っていません（{needs}）",
    "{text} is too old ({wanted})":
        "{text} は古すぎます（{wanted}）",
    "{text} is newer than tested ({wanted}); some packages (TensorFlow) may not have wheels for "
    "it yet":
        "{text} は試したものより新しいバージョンです（{wanted}）。TensorFlow など、まだホイール"
        "のないパッケージがあるかもしれません",
    "{version} is too old ({needs})":
        "{version} は古すぎます（{needs}）",
    "{version} does not fit ({needs})":
        "{version} は合いません（{needs}）",
}
