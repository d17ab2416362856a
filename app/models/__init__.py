"""Typed SQLAlchemy 2 models; importing this package registers every table."""

from .content import Article, ArticleRelated, Section, Tag, article_tags
from .prompts import Prompt, PromptStat

__all__ = ["Article", "ArticleRelated", "Prompt", "PromptStat", "Section", "Tag", "article_tags"]
