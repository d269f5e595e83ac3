// A catalog card: declares the fields it renders as a fragment and reads them through fragment masking.
import { getFragmentData, graphql } from "./gql/index.ts";
import type { FragmentType } from "./gql/index.ts";

/** The fields a product card shows. */
export const ProductCardFragment = graphql(`
  fragment ProductCard on Product {
    id
    slug
    title
    inStock
    price {
      amount
      currencyCode
    }
  }
`);

/** One line of text for a card (a stand-in for a component's markup). */
export function renderProductCard(product: FragmentType<typeof ProductCardFragment>): string {
  const card = getFragmentData(ProductCardFragment, product);
  return `${card.title}: ${card.price.amount} ${card.price.currencyCode}${card.inStock ? "" : " (sold out)"}`;
}
