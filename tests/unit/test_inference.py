"""Product shape (plpython/inference.py): what a fragment no dictionary holds tells by its dosage-form suffix."""
import minilex

import inference

LEX = minilex.load()


def test_product_shape():
    assert inference.shape("注射用盐酸伊立替康", LEX) == ("盐酸伊立替康", "注射用无菌粉末")
    assert inference.shape("瑞维鲁胺片", LEX) == ("瑞维鲁胺", "片剂")
    assert inference.shape("片", LEX) is None


def test_a_form_name_starting_with_a_stem_character_does_not_cut_the_stem():
    # 素片 and 糖片 are dosage-form names, but 霉素 and 葡萄糖 end drug names
    lex = minilex.load()
    lex.dosage_form_suffixes.setdefault("素片", "片剂")
    assert inference.shape("非达霉素片", lex).stem == "非达霉素"


def test_a_stem_that_names_a_generic_gives_its_standard():
    assert inference.known_generic("阿莫西林", LEX) == "阿莫西林"
    assert inference.known_generic("瑞维鲁胺", LEX) is None


def test_a_product_name_without_links_tells_its_generic_and_form():
    assert inference.unlinked_product("注射用盐酸伊立替康", LEX) == ("盐酸伊立替康", "注射用无菌粉末")
    assert inference.unlinked_product("阿莫西林", LEX) == (None, None)
