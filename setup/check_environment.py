"""環境の確認: 本に必要なものがそろっているかを調べます。

    python setup/check_environment.py          # リポジトリ直下で実行
    llms-from-scratch check                    # 同じもの（パッケージのコマンド）

中身はパッケージの llms_from_scratch.check です。Python と requirements.txt の
各パッケージのバージョン、使えるデバイス、小さな GPT の数値セルフテスト、
ダウンロードするファイルのキャッシュを確かめ、すべてそろっていれば終了コード 0 を返します。
"""

import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"

try:
    from llms_from_scratch.check import main
except ImportError as err:
    print(f"llms_from_scratch を import できません ({err})。リポジトリ直下で\n"
          '    pip install -r requirements.txt -e "./pkg[test]"\n'
          "を実行してから、もう一度試してください（setup/README.md を参照）。",
          file=sys.stderr)
    sys.exit(1)

if __name__ == "__main__":
    args = sys.argv[1:]
    if REQUIREMENTS.is_file() and not any(a.startswith("--requirements") for a in args):
        args = ["--requirements", str(REQUIREMENTS), *args]
    sys.exit(main(args))
