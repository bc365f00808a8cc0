/* The kiosk's own words on the respondent's screens, in each language a
 * survey may offer: Japanese, English and やさしい日本語 (easy Japanese
 * for staff who read it poorly). A survey's own texts come from the
 * survey (survey_text); these are the buttons and notes around them. */
#ifndef KIOSK_WORDS_H
#define KIOSK_WORDS_H

/* X(id, Japanese, English, やさしい日本語) */
#define KIOSK_STRINGS(X)                                                                           \
    X(STR_LANGUAGE_NAME, "日本語", "English", "やさしい にほんご")                                 \
    X(STR_START, "回答をはじめる", "Start", "はじめる")                                            \
    X(STR_RESTING, "少しお待ちください", "Please wait a moment", "すこし まって ください")         \
    X(STR_TIME, "所要時間の目安：約%d分", "About %d min", "じかん：%dぷん ぐらい")                 \
    X(STR_ABOUT_YOU, "あなたについて", "About you", "あなたの こと")                               \
    X(STR_ABOUT_YOU_OPTIONAL, "あなたについて（答えなくてもかまいません）",                        \
      "About you (you may skip this)", "あなたの こと（こたえなくても いいです）")                 \
    X(STR_BACK, "戻る", "Back", "もどる")                                                          \
    X(STR_NEXT, "次へ", "Next", "つぎへ")                                                          \
    X(STR_SKIP, "答えずに次へ", "Skip", "とばす")                                                  \
    X(STR_TO_LIST, "一覧へ", "To the list", "いちらんへ")                                          \
    X(STR_CONFIRM_TITLE, "回答の確認", "Check your answers", "こたえの かくにん")                  \
    X(STR_CONFIRM_ASK, "以上で質問は終わりです。この内容で送信しますか？",                         \
      "That was the last question. Send your answers?",                                            \
      "しつもんは これで おわりです。おくりますか？")                                              \
    X(STR_ANSWERED, "全%zu問のうち、%d問に回答しました。",                                         \
      "You answered %2$d of %1$zu questions.", "%zuもんの うち %dもんに こたえました。")           \
    X(STR_REVIEW, "見直す", "Review", "みなおす")                                                  \
    X(STR_SEND, "送信する", "Send", "おくる")                                                      \
    X(STR_REVIEW_TITLE, "回答の見直し", "Your answers", "こたえの みなおし")                       \
    X(STR_QUESTION_N, "問%d", "Q%d", "もんだい%d")                                                 \
    X(STR_UNANSWERED, "（未回答）", "(skipped)", "（こたえていない）")                             \
    X(STR_TO_CONFIRM, "確認画面へ", "Done", "かくにんへ")                                          \
    X(STR_PAGE_PREV, "前へ", "Previous", "まえへ")                                                 \
    X(STR_PAGE_NEXT, "次へ", "More", "つぎへ")                                                     \
    X(STR_THANKS_BACK, "まもなく最初の画面に戻ります。", "This screen will close shortly.",        \
      "すこし あとで はじめの がめんに もどります。")                                              \
    X(STR_TO_START, "最初の画面へ", "Finish", "おわる")                                            \
    X(STR_IDLE_ASK, "まだ回答を続けますか？", "Are you still answering?", "まだ こたえますか？")   \
    X(STR_IDLE_LEFT, "あと %d 秒で最初の画面に戻ります。", "Going back to the start in %d s.",     \
      "あと %d びょうで はじめに もどります。")                                                    \
    X(STR_IDLE_LOST, "そのときは、ここまでの回答は消去され、保存されません。",                     \
      "Your answers so far will then be erased, not saved.",                                       \
      "そのときは、こたえは きえます。のこりません。")                                             \
    X(STR_ERASE, "回答を消して最初に戻る", "Erase and start over", "けして はじめに もどる")       \
    X(STR_CONTINUE, "続ける", "Continue", "つづける")                                              \
    X(STR_SAVE_FAILED, "保存できませんでした。係の者にお知らせください。",                         \
      "Your answers could not be saved. Please tell the staff.",                                   \
      "こたえを のこせませんでした。かかりの ひとに いって ください。")                            \
    X(STR_CONTACT, "連絡先：%s", "Contact: %s", "れんらくさき：%s")

enum str_id {
#define STRINGS_ENUM(id, ja, en, easy) id,
    KIOSK_STRINGS(STRINGS_ENUM)
#undef STRINGS_ENUM
        STR_COUNT
};

/* The word in the language tagged lang ("ja", "en", "ja-easy"); Japanese
 * for a tag the kiosk has no words in (the survey's own texts still show
 * in it). Static; never NULL. */
const char *strings_get(enum str_id id, const char *lang);

#endif
