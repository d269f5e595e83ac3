// The catalog page's query: typed variables and result from the generated document.
import { graphql } from "./gql/index.ts";
import type { CatalogQuery, CatalogQueryVariables } from "./gql/graphql.ts";
import { renderProductCard } from "./product-card.ts";

/** Products of one category page, cards spread from their fragment. */
export const CatalogDocument = graphql(`
  query Catalog($first: Int = 20, $after: String, $category: String) {
    products(first: $first, after: $after, filter: { categorySlug: $category }) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ProductCard
        }
      }
    }
  }
`);

/** The first-page variables a page sends. */
export const firstPage: CatalogQueryVariables = { first: 12 };

/** Renders a result (what `useQuery(CatalogDocument)` returns as `data`). */
export function renderCatalog(data: CatalogQuery): string[] {
  return data.products.edges.map((edge) => renderProductCard(edge.node));
}
